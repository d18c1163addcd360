/* The dialect list and the helpers every dialect shares. */
#include "fcgi/dialects/dialect.h"

#include <stdio.h>
#include <string.h>

#include "fcgi/auth.h"

const rbx_dialect *const rbx_dialects[] = {
    &rbx_dialect_native,
    &rbx_dialect_execution,
    &rbx_dialect_execute_test,
    &rbx_dialect_cee,
    &rbx_dialect_judge0,
    &rbx_dialect_piston,
    NULL,
};

const rbx_dialect *rbx_dialect_for(const char *path, char *buf, size_t bufsz, const char **rel)
{
    const rbx_dialect *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; rbx_dialects[i]; i++) {
        size_t n = strlen(rbx_dialects[i]->prefix);
        if (strncmp(path, rbx_dialects[i]->prefix, n) == 0 && (path[n] == '/' || !path[n]) &&
            n > best_len) {
            best = rbx_dialects[i];
            best_len = n;
        }
    }
    if (!best)
        return NULL;
    snprintf(buf, bufsz, "%s", path + best_len);
    size_t n = strlen(buf);
    if (n > 1 && buf[n - 1] == '/')
        buf[n - 1] = '\0';
    *rel = buf;
    return best;
}

void rbx_json_put_string(json_object *o, const char *key, const char *s)
{
    json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

const char *rbx_dialect_bare_or_bearer(const char *header)
{
    const char *token = rbx_auth_bearer_token(header);
    if (token || !header)
        return token;
    while (*header == ' ')
        header++;
    for (const char *p = header; *p; p++)
        if (*p <= ' ' || *p > '~')
            return NULL;
    return *header ? header : NULL;
}
