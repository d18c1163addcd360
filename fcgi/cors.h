/* CORS for the API (server.cors_origins): a browser page on an allowed
 * origin may call every route, native and dialects. The pool answers it, not
 * nginx, because the pool has the configuration and the route table: a
 * preflight (OPTIONS) on a route that exists is 204 for an allowed origin and
 * 403 for any other; the actual answers carry Access-Control-Allow-Origin
 * for an allowed origin only. */
#ifndef RBX_FCGI_CORS_H
#define RBX_FCGI_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/error.h"
#include "fcgi/http.h"

/* Is this request a CORS preflight (OPTIONS)? */
bool rbx_cors_is_preflight(const rbx_http_request *http);

/* The preflight's verdict: 0 when http's origin may call the route (answer
 * 204), -1 with a 403 in err otherwise. */
int rbx_cors_check_preflight(const rbx_config *cfg, const rbx_http_request *http, rbx_error *err);

/* The CORS header lines ("Name: value\r\n" each) of an answer into out;
 * methods are the route's (for a preflight). Empty when cors_origins is empty. */
void rbx_cors_headers(const rbx_config *cfg, const rbx_http_request *http, bool preflight,
                      const char *methods, char *out, size_t outsz);

#endif
