/* The route table of /api/v1/code and the steps every request goes through
 * before its handler: match (404/405), key (401), media type (415), body size
 * (413), JSON (400). */
#ifndef RBX_FCGI_ROUTER_H
#define RBX_FCGI_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fcgi/service.h"

typedef struct rbx_route {
    const char *method;
    const char *pattern; /* relative to RBX_API_PREFIX; "*" is one non-empty path segment */
    rbx_handler handler;
    bool needs_key;  /* Authorization: Bearer <key> required */
    bool takes_json; /* a JSON object body required */
    bool query_body; /* with no body, `code` and `language` may come in the query string */
} rbx_route;

/* Find the route for method and path (the full path, prefix included).
 * Returns the route and sets *param to the "*" segment (copied into param_buf);
 * NULL with err: 404, or 405 with the allowed methods written to allow. */
const rbx_route *rbx_route_match(const char *method, const char *path, char *param_buf,
                                 size_t param_bufsz, const char **param, char *allow,
                                 size_t allowsz, rbx_error *err);

/* Reads the request body (at most cap bytes; more is 413) into a malloc'd buffer. */
typedef int (*rbx_body_reader)(void *ctx, size_t cap, char **body, size_t *len, rbx_error *err);

/* Route and answer one request: fills reply (status and body) either from the
 * handler or from the error envelope; never fails. */
void rbx_route_dispatch(rbx_service *svc, const rbx_http_request *http, rbx_body_reader read_body,
                        void *read_ctx, rbx_reply *reply);

#endif
