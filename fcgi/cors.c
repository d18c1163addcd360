#include "fcgi/cors.h"

#include <stdio.h>
#include <string.h>

/* How long a browser may keep a preflight's answer (seconds). */
#define RBX_CORS_MAX_AGE 600

bool rbx_cors_is_preflight(const rbx_http_request *http)
{
    return strcmp(http->method, "OPTIONS") == 0;
}

int rbx_cors_check_preflight(const rbx_config *cfg, const rbx_http_request *http, rbx_error *err)
{
    if (rbx_config_cors_allows(cfg, http->origin))
        return 0;
    if (!http->origin)
        return rbx_error_raise(err, RBX_ERR_FORBIDDEN, NULL, NULL,
                               "OPTIONS is a CORS preflight and needs an Origin header");
    return rbx_error_raise(err, RBX_ERR_FORBIDDEN, NULL, NULL,
                           "origin %.128s may not call this API (server.cors_origins)",
                           http->origin);
}

void rbx_cors_headers(const rbx_config *cfg, const rbx_http_request *http, bool preflight,
                      const char *methods, char *out, size_t outsz)
{
    out[0] = '\0';
    if (cfg->n_cors_origins == 0)
        return;
    /* The answer depends on the Origin: a cache must not give one origin's
     * answer to another. */
    size_t n = (size_t)snprintf(out, outsz, "Vary: Origin\r\n");
    if (n >= outsz || !rbx_config_cors_allows(cfg, http->origin))
        return;
    /* The origin is echoed, never "*": the API is called with credentials
     * (Authorization), which a wildcard does not admit. */
    if (preflight)
        snprintf(out + n, outsz - n,
                 "Access-Control-Allow-Origin: %s\r\n"
                 "Access-Control-Allow-Methods: %s, OPTIONS\r\n"
                 "Access-Control-Allow-Headers: Authorization, Content-Type, X-Auth-Token\r\n"
                 "Access-Control-Max-Age: %d\r\n",
                 http->origin, methods, RBX_CORS_MAX_AGE);
    else
        snprintf(out + n, outsz - n,
                 "Access-Control-Allow-Origin: %s\r\n"
                 "Access-Control-Expose-Headers: X-Request-Id, Retry-After, Location\r\n",
                 http->origin);
}
