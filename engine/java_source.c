/* A small Java scanner, not a parser: it skips comments and literals, counts
 * braces, remembers which class each brace opens, and notes the first
 * `static ... void main(` and the first top-level `public class`. That is all
 * naming and launching need, and it cannot be fooled by "class" in a string. */
#include "engine/java_source.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct scanner {
    const char *s;
    size_t len, i;
    /* the class each open brace belongs to ("" for a block) */
    char stack[MAX_DEPTH][RBX_JAVA_MAX_CLASS];
    int depth;
    char pending[RBX_JAVA_MAX_CLASS]; /* declared, its '{' not seen yet */
    bool pending_public;
    bool seen_static, seen_public; /* modifiers since the last ; { } */
    char prev[RBX_JAVA_MAX_CLASS]; /* the previous word */
} scanner;

static bool ident_start(int c)
{
    return isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool ident_char(int c)
{
    return ident_start(c) || isdigit(c);
}

/* Skip a comment or a string/char/text-block literal at i; false if none. */
static bool skip_noise(scanner *sc)
{
    const char *s = sc->s;
    size_t n = sc->len, i = sc->i;
    if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
        while (i < n && s[i] != '\n')
            i++;
    } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
        for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
            ;
        i += 2;
    } else if (s[i] == '"' && i + 2 < n && s[i + 1] == '"' && s[i + 2] == '"') {
        for (i += 3; i + 2 < n && !(s[i] == '"' && s[i + 1] == '"' && s[i + 2] == '"'); i++)
            if (s[i] == '\\')
                i++;
        i += 3;
    } else if (s[i] == '"' || s[i] == '\'') {
        char q = s[i];
        for (i++; i < n && s[i] != q && s[i] != '\n'; i++)
            if (s[i] == '\\')
                i++;
        i++;
    } else {
        return false;
    }
    sc->i = i < n ? i : n;
    return true;
}

static void class_path(const scanner *sc, const char *leaf, char *out, size_t outsz)
{
    out[0] = '\0';
    for (int d = 0; d < sc->depth && d < MAX_DEPTH; d++) {
        if (!sc->stack[d][0])
            continue;
        size_t n = strlen(out);
        snprintf(out + n, outsz - n, "%s%s", n ? "$" : "", sc->stack[d]);
    }
    if (leaf) {
        size_t n = strlen(out);
        snprintf(out + n, outsz - n, "%s%s", n ? "$" : "", leaf);
    }
}

static void on_word(scanner *sc, const char *w)
{
    static const char *const KINDS[] = {"class", "interface", "enum", "record", NULL};
    if (strcmp(w, "static") == 0)
        sc->seen_static = true;
    else if (strcmp(w, "public") == 0)
        sc->seen_public = true;
    for (size_t k = 0; KINDS[k]; k++)
        if (strcmp(sc->prev, KINDS[k]) == 0 && strcmp(w, "extends") && strcmp(w, "implements")) {
            snprintf(sc->pending, sizeof(sc->pending), "%s", w);
            sc->pending_public = sc->seen_public;
        }
    snprintf(sc->prev, sizeof(sc->prev), "%s", w);
}

/* `main` followed by '(' right after `void`, in a static declaration. */
static void check_main(scanner *sc, const char *w, rbx_java_classes *out)
{
    if (out->main_class[0] || strcmp(w, "main") || strcmp(sc->prev, "void") || !sc->seen_static)
        return;
    size_t j = sc->i;
    while (j < sc->len && isspace((unsigned char)sc->s[j]))
        j++;
    if (j < sc->len && sc->s[j] == '(')
        class_path(sc, NULL, out->main_class, sizeof(out->main_class));
}

static void on_brace(scanner *sc, char c, rbx_java_classes *out)
{
    if (c == '{') {
        if (sc->depth < MAX_DEPTH) {
            snprintf(sc->stack[sc->depth], RBX_JAVA_MAX_CLASS, "%s", sc->pending);
            if (sc->depth == 0 && sc->pending[0] && sc->pending_public && !out->public_class[0])
                snprintf(out->public_class, sizeof(out->public_class), "%s", sc->pending);
        }
        sc->depth++;
    } else if (sc->depth > 0) {
        sc->depth--;
    }
    sc->pending[0] = '\0';
    sc->seen_static = sc->seen_public = false;
}

void rbx_java_scan(const char *src, size_t len, rbx_java_classes *out)
{
    scanner sc_storage, *sc = &sc_storage;
    memset(sc, 0, sizeof(*sc));
    memset(out, 0, sizeof(*out));
    sc->s = src;
    sc->len = len;
    while (sc->i < sc->len) {
        unsigned char c = (unsigned char)src[sc->i];
        if (skip_noise(sc))
            continue;
        if (ident_start(c)) {
            char w[RBX_JAVA_MAX_CLASS];
            size_t n = 0;
            while (sc->i < sc->len && ident_char((unsigned char)src[sc->i])) {
                if (n + 1 < sizeof(w))
                    w[n++] = src[sc->i];
                sc->i++;
            }
            w[n] = '\0';
            check_main(sc, w, out);
            on_word(sc, w);
            continue;
        }
        if (c == '{' || c == '}')
            on_brace(sc, (char)c, out);
        else if (c == ';')
            sc->seen_static = sc->seen_public = false;
        if (!isspace(c) && c != '(' && c != '[' && c != ']')
            sc->prev[0] = '\0';
        sc->i++;
    }
}
