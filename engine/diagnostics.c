/* Compiler and syntax-checker output parsed into structured diagnostics,
 * {file, line, column, severity, message}, one parser per output style. Lines
 * no parser recognises are left to the raw "output" the response also carries. */
#include "engine/diagnostics.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIAGNOSTICS 200

typedef struct lines {
    char **v;
    size_t n;
} lines;

static int split_lines(const char *text, lines *out)
{
    size_t cap = 16;
    out->n = 0;
    out->v = malloc(cap * sizeof(char *));
    for (const char *p = text; out->v && *p;) {
        size_t len = strcspn(p, "\n");
        if (out->n == cap) {
            char **grown = realloc(out->v, (cap *= 2) * sizeof(char *));
            if (!grown)
                break;
            out->v = grown;
        }
        out->v[out->n++] = strndup(p, len);
        p += len + (p[len] == '\n');
    }
    return out->v ? 0 : -1;
}

static void free_lines(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Paths as the box sees them; the client knows its files by their names. */
static const char *client_path(const char *path)
{
    if (strncmp(path, "/box/", 5) == 0)
        return path + 5;
    if (strncmp(path, "./", 2) == 0)
        return path + 2;
    return path;
}

static void add(json_object *arr, const char *file, long line, long col, const char *severity,
                const char *message)
{
    if (json_object_array_length(arr) >= MAX_DIAGNOSTICS)
        return;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "file", file ? json_object_new_string(client_path(file)) : NULL);
    json_object_object_add(d, "line", json_object_new_int64(line));
    json_object_object_add(d, "column", json_object_new_int64(col));
    json_object_object_add(d, "severity", json_object_new_string(severity));
    json_object_object_add(d, "message", json_object_new_string(message));
    json_object_array_add(arr, d);
}

/* Match re against s; groups copied into caller buffers on demand. */
typedef struct match {
    regmatch_t m[8];
    const char *s;
} match;

static bool matches(const char *pattern, const char *s, match *m)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED) != 0)
        return false;
    bool ok = regexec(&re, s, 8, m->m, 0) == 0;
    regfree(&re);
    m->s = s;
    return ok;
}

static char *group(const match *m, int i)
{
    if (m->m[i].rm_so < 0)
        return strdup("");
    return strndup(m->s + m->m[i].rm_so, (size_t)(m->m[i].rm_eo - m->m[i].rm_so));
}

static long group_long(const match *m, int i)
{
    char *g = group(m, i);
    long v = g ? strtol(g, NULL, 10) : 0;
    free(g);
    return v;
}

static const char *severity_of(const char *word)
{
    if (strstr(word, "warning"))
        return "warning";
    if (strstr(word, "note"))
        return "note";
    return "error";
}

/* 1-based column of the first '^' in a caret line, 0 when there is none. */
static long caret_column(const char *line, size_t indent)
{
    const char *caret = strchr(line, '^');
    if (!caret || strspn(line, " \t") != (size_t)(caret - line))
        return 0;
    long col = (long)(caret - line) + 1 - (long)indent;
    return col > 0 ? col : 1;
}

/* gcc, g++: "main.c:5:5: error: expected ';'" (notes are context, skipped). */
static void parse_gcc(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (!matches("^([^:]+):([0-9]+):([0-9]+): (fatal error|error|warning): (.*)$", l->v[i], &m))
            continue;
        char *file = group(&m, 1), *sev = group(&m, 4), *msg = group(&m, 5);
        add(arr, file, group_long(&m, 2), group_long(&m, 3), severity_of(sev), msg);
        free(file), free(sev), free(msg);
    }
}

/* python -m py_compile, or a run that failed to compile:
 *   File "main.py", line 2 / source / caret / "SyntaxError: msg"
 * or the one-line form "Sorry: IndentationError: msg (main.py, line 3)". */
static void parse_python(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (matches("^Sorry: ([A-Za-z]+): (.*) \\((.*), line ([0-9]+)\\)$", l->v[i], &m)) {
            char *type = group(&m, 1), *msg = group(&m, 2), *file = group(&m, 3), *full = NULL;
            if (asprintf(&full, "%s: %s", type, msg) >= 0)
                add(arr, file, group_long(&m, 4), 0, "error", full);
            free(type), free(msg), free(file), free(full);
            continue;
        }
        if (!matches("^  File \"(.*)\", line ([0-9]+)", l->v[i], &m))
            continue;
        char *file = group(&m, 1);
        long line = group_long(&m, 2), col = 0;
        size_t j = i + 1;
        for (; j < l->n && j <= i + 3; j++) {
            match e;
            if (strchr(l->v[j], '^') && col == 0)
                col = caret_column(l->v[j], 4); /* python indents the source by 4 */
            if (matches("^([A-Za-z]*(Error|Warning)): (.*)$", l->v[j], &e)) {
                char *type = group(&e, 1), *msg = group(&e, 3), *full = NULL;
                if (asprintf(&full, "%s: %s", type, msg) >= 0)
                    add(arr, file, line, col, severity_of(type), full);
                free(type), free(msg), free(full);
                break;
            }
        }
        free(file);
        i = j;
    }
}

/* node --check: "/box/main.js:2" / source / caret / blank / "SyntaxError: msg". */
static void parse_node(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (!matches("^(.*\\.[cm]?[jt]s):([0-9]+)$", l->v[i], &m))
            continue;
        char *file = group(&m, 1);
        long line = group_long(&m, 2), col = 0;
        size_t j = i + 1;
        for (; j < l->n && j <= i + 5; j++) {
            match e;
            if (strchr(l->v[j], '^') && col == 0)
                col = caret_column(l->v[j], 0);
            if (matches("^([A-Za-z]*Error): (.*)$", l->v[j], &e)) {
                add(arr, file, line, col, "error", l->v[j]);
                break;
            }
        }
        free(file);
        i = j;
    }
}

/* tsc --pretty false: "main.ts(1,5): error TS2322: Type ..." */
static void parse_tsc(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (!matches("^(.+)\\(([0-9]+),([0-9]+)\\): (error|warning|message) (TS[0-9]+: .*)$",
                     l->v[i], &m))
            continue;
        char *file = group(&m, 1), *sev = group(&m, 4), *msg = group(&m, 5);
        add(arr, file, group_long(&m, 2), group_long(&m, 3), severity_of(sev), msg);
        free(file), free(sev), free(msg);
    }
}

/* javac: "Main.java:3: error: ';' expected" / source / caret. */
static void parse_javac(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (!matches("^(.+\\.java):([0-9]+): (error|warning): (.*)$", l->v[i], &m))
            continue;
        long col = 0;
        if (i + 2 < l->n)
            col = caret_column(l->v[i + 2], 0);
        char *file = group(&m, 1), *sev = group(&m, 3), *msg = group(&m, 4);
        add(arr, file, group_long(&m, 2), col, severity_of(sev), msg);
        free(file), free(sev), free(msg);
    }
}

/* go build: "./main.go:7:14: undefined: y" ("# package" headers skipped). */
static void parse_go(const lines *l, json_object *arr)
{
    for (size_t i = 0; i < l->n; i++) {
        match m;
        if (!matches("^(.+\\.go):([0-9]+):([0-9]+): (.*)$", l->v[i], &m))
            continue;
        char *file = group(&m, 1), *msg = group(&m, 4);
        add(arr, file, group_long(&m, 2), group_long(&m, 3), "error", msg);
        free(file), free(msg);
    }
}

json_object *rbx_diagnostics_parse(const char *format, const char *output)
{
    static const struct {
        const char *name;
        void (*parse)(const lines *, json_object *);
    } PARSERS[] = {
        {"gcc", parse_gcc}, {"python", parse_python}, {"node", parse_node},
        {"tsc", parse_tsc}, {"javac", parse_javac},   {"go", parse_go},
    };
    json_object *arr = json_object_new_array();
    lines l;
    if (!arr || !output || split_lines(output, &l) < 0)
        return arr;
    for (size_t i = 0; i < sizeof(PARSERS) / sizeof(PARSERS[0]); i++)
        if (strcmp(PARSERS[i].name, format) == 0)
            PARSERS[i].parse(&l, arr);
    free_lines(&l);
    return arr;
}
