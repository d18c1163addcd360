#include "fcgi/auth.h"

#include <string.h>
#include <strings.h>

const char *rbx_auth_bearer_token(const char *header)
{
    static const char scheme[] = "Bearer";
    if (!header)
        return NULL;
    while (*header == ' ')
        header++;
    size_t n = sizeof(scheme) - 1;
    if (strncasecmp(header, scheme, n) != 0 || header[n] != ' ')
        return NULL;
    const char *token = header + n;
    while (*token == ' ')
        token++;
    if (*token == '\0')
        return NULL;
    /* A key is one printable word: anything else cannot be one of ours. */
    for (const char *p = token; *p; p++)
        if (*p <= ' ' || *p > '~')
            return NULL;
    return token;
}

int rbx_auth_caller(rbx_store *store, const rbx_http_request *http, rbx_key_info *caller,
                    rbx_error *err)
{
    memset(caller, 0, sizeof(*caller));
    if (!http->authorization || !*http->authorization)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL,
                               "an API key is required: Authorization: Bearer <key>");
    const char *token = rbx_auth_bearer_token(http->authorization);
    if (!token)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL,
                               "the Authorization header must be: Bearer <key>");
    return rbx_auth_token(store, token, caller, err);
}

int rbx_auth_token(rbx_store *store, const char *token, rbx_key_info *caller, rbx_error *err)
{
    memset(caller, 0, sizeof(*caller));
    if (rbx_store_key_authenticate(store, token, caller, err) < 0) {
        /* Only the store knows unknown from revoked; either way the caller is
         * not let in. A store failure stays internal, and a store that cannot
         * answer now (busy, with Retry-After) is not a wrong key either. */
        if (err->kind != RBX_ERR_INTERNAL && err->kind != RBX_ERR_BUSY)
            rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL,
                            "the API key is unknown or revoked");
        return -1;
    }
    return 0;
}

/* The configured user's first live key stands for a key-less client: its
 * quotas, its history, its callback secret. */
int rbx_auth_keyless(rbx_store *store, const char *user, rbx_key_info *caller, rbx_error *err)
{
    rbx_key_list keys;
    int64_t id = -1;
    memset(caller, 0, sizeof(*caller));
    if (rbx_store_key_list(store, &keys, err) < 0)
        return -1;
    for (size_t i = 0; id < 0 && i < keys.n; i++)
        if (strcmp(keys.items[i].user, user) == 0 && !keys.items[i].revoked)
            id = keys.items[i].id;
    rbx_key_list_free(&keys);
    if (id < 0)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL,
                               "an API key is required (the key-less user '%s' has no live key)",
                               user);
    return rbx_store_key_get(store, id, caller, err);
}
