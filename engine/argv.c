/* Expanding a definition's argv template into the argv of one run. Each
 * template element becomes one argument (never a shell word list), except
 * {sources} and {options}, which stand alone and become one argument per
 * source file or option. A library of its own (librbxargv.a): the engine
 * expands plain runs' commands with it and grading's harnesses theirs, from
 * the same templates. */
#include "engine/language.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 512

typedef struct argv_builder {
    char **v;
    size_t n;
} argv_builder;

static int push(argv_builder *b, char *s, rbx_error *err)
{
    if (!s)
        return rbx_error_errno(err, "out of memory");
    if (b->n + 1 >= MAX_ARGS) {
        free(s);
        return rbx_error_internal(err, "command line over %d arguments", MAX_ARGS);
    }
    b->v[b->n++] = s;
    return 0;
}

/* Replace every {name} placeholder in one element; unknown ones are errors
 * so a typo in a definition cannot reach a compiler as a literal. */
static char *substitute(const char *tmpl, const char *file, const char *stem, const char *main,
                        const char *dir, const char *prebuilt, rbx_error *err)
{
    size_t cap = strlen(tmpl) + 1, len = 0;
    char *out = malloc(cap);
    for (const char *p = tmpl; out && *p;) {
        const char *val = NULL;
        size_t skip = 1;
        if (strncmp(p, "{file}", 6) == 0)
            val = file, skip = 6;
        else if (strncmp(p, "{stem}", 6) == 0)
            val = stem, skip = 6;
        else if (strncmp(p, "{main}", 6) == 0)
            val = main, skip = 6;
        else if (strncmp(p, "{dir}", 5) == 0)
            val = dir, skip = 5;
        else if (strncmp(p, "{prebuilt}", 10) == 0 && prebuilt)
            val = prebuilt, skip = 10;
        else if (*p == '{' && strchr(p, '}')) {
            rbx_error_internal(err, "unknown placeholder in command template \"%s\"", tmpl);
            free(out);
            return NULL;
        }
        size_t add = val ? strlen(val) : 1;
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                out = NULL;
                break;
            }
            out = grown;
        }
        memcpy(out + len, val ? val : p, add);
        len += add;
        p += skip;
    }
    if (!out) {
        rbx_error_errno(err, "out of memory");
        return NULL;
    }
    out[len] = '\0';
    return out;
}

void rbx_language_stem(const char *file_name, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", file_name);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

/* One argument per element of list (sources, options); none when NULL. */
static int push_all(argv_builder *b, const char *const *list, rbx_error *err)
{
    for (size_t i = 0; list && list[i]; i++)
        if (push(b, strdup(list[i]), err) < 0)
            return -1;
    return 0;
}

char **rbx_argv_expand(const char *const *tmpl, const rbx_argv_vars *vars, const char *const *extra,
                       rbx_error *err)
{
    char stem[256];
    rbx_language_stem(vars->file, stem, sizeof(stem));
    argv_builder b = {calloc(MAX_ARGS, sizeof(char *)), 0};
    if (!b.v) {
        rbx_error_errno(err, "out of memory");
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && tmpl[i]; i++) {
        if (strcmp(tmpl[i], "{sources}") == 0 || strcmp(tmpl[i], "{options}") == 0) {
            rc = push_all(&b, tmpl[i][1] == 's' ? vars->sources : vars->options, err);
            continue;
        }
        if (!vars->prebuilt && strstr(tmpl[i], "{prebuilt}"))
            continue;
        char *arg = substitute(tmpl[i], vars->file, stem,
                               vars->main_class && *vars->main_class ? vars->main_class : stem,
                               vars->dir, vars->prebuilt, err);
        rc = arg ? push(&b, arg, err) : -1;
    }
    if (rc == 0)
        rc = push_all(&b, extra, err);
    if (rc < 0) {
        rbx_argv_free(b.v);
        return NULL;
    }
    return b.v;
}

char **rbx_argv_prebuilt(const char *const *argv, const char *prebuilt, rbx_error *err)
{
    argv_builder b = {calloc(MAX_ARGS, sizeof(char *)), 0};
    if (!b.v) {
        rbx_error_errno(err, "out of memory");
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && argv[i]; i++) {
        const char *at = strstr(argv[i], "{prebuilt}");
        if (!at) {
            rc = push(&b, strdup(argv[i]), err);
        } else if (prebuilt) {
            char *arg = NULL;
            if (asprintf(&arg, "%.*s%s%s", (int)(at - argv[i]), argv[i], prebuilt, at + 10) < 0)
                arg = NULL;
            rc = push(&b, arg, err);
        }
    }
    if (rc < 0) {
        rbx_argv_free(b.v);
        return NULL;
    }
    return b.v;
}

void rbx_argv_free(char **argv)
{
    if (!argv)
        return;
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}
