/* What a Java source's class declarations say about how to name and launch
 * it: javac wants a public class in a file of its own name, and java wants the
 * class that declares main, which may have any name and need not be public. */
#ifndef RBX_ENGINE_JAVA_SOURCE_H
#define RBX_ENGINE_JAVA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#define RBX_JAVA_MAX_CLASS 128

typedef struct rbx_java_classes {
    char public_class[RBX_JAVA_MAX_CLASS]; /* the top-level public class, "" when none */
    char main_class[RBX_JAVA_MAX_CLASS];   /* binary name (Outer$Inner) of main's class, "" */
} rbx_java_classes;

/* Scan src (comments, strings and char literals skipped, braces counted). */
void rbx_java_scan(const char *src, size_t len, rbx_java_classes *out);

#endif
