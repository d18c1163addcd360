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
        return rbx_error_set(err, 401, "unauthorized", NULL,
                             "an API key is required: Authorization: Bearer <key>");
    const char *token = rbx_auth_bearer_token(http->authorization);
    if (!token)
        return rbx_error_set(err, 401, "unauthorized", NULL,
                             "the Authorization header must be: Bearer <key>");
    if (rbx_store_key_authenticate(store, token, caller, err) < 0) {
        /* Only the store knows unknown from revoked; either way the caller is
         * not let in, and a store failure stays a 500. */
        if (err->status != 500)
            rbx_error_set(err, 401, "unauthorized", NULL, "the API key is unknown or revoked");
        return -1;
    }
    return 0;
}
