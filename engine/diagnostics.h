/* Compiler output to structured diagnostics for POST /validate. */
#ifndef RBX_ENGINE_DIAGNOSTICS_H
#define RBX_ENGINE_DIAGNOSTICS_H

#include <json-c/json.h>

/* format: a definition's "diagnostics" (gcc, python, node, tsc, javac, go).
 * Returns a new array of {file, line, column, severity, message}; column 0
 * when the tool gives none. Never NULL except on ENOMEM. */
json_object *rbx_diagnostics_parse(const char *format, const char *output);

#endif
