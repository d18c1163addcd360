#include "fcgi/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "fcgi/auth.h"
#include "fcgi/cors.h"
#include "fcgi/dialects/dialect.h"

/* Every route of the API in one place. The read-only ones (route_read_only)
 * are those nginx sends to the light workers' socket: nginx/runbox.conf's
 * $runbox_pool map lists the same routes. */
static const rbx_route ROUTES[] = {
    {"GET", "/health", rbx_handle_health, false, false, false},
    {"GET", "/languages", rbx_handle_languages_list, false, false, false},
    {"GET", "/languages/*", rbx_handle_language_get, false, false, false},
    {"POST", "/execute", rbx_handle_execute, true, true, false},
    {"POST", "/validate", rbx_handle_validate, true, true, true},
    {"GET", "/history", rbx_handle_history_list, true, false, false},
    {"GET", "/history/*", rbx_handle_history_get, true, false, false},
    {"DELETE", "/history/*", rbx_handle_history_delete, true, false, false},
    {"GET", "/stats", rbx_handle_stats, true, false, false},
    {"POST", "/execute/async", rbx_handle_execute_async, true, true, false},
    {"POST", "/execute/batch", rbx_handle_execute_batch, true, true, false},
    {"GET", "/tasks", rbx_handle_tasks_list, true, false, false},
    {"GET", "/tasks/*", rbx_handle_task_get, true, false, false},
    {"DELETE", "/tasks/*", rbx_handle_task_cancel, true, false, false},
    /* No key: nginx lets only the networks it allows reach it. */
    {"GET", "/metrics", rbx_handle_metrics, false, false, false},
};
#define N_ROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]))

const rbx_dialect rbx_dialect_native = {
    .name = "native", .prefix = RBX_API_PREFIX, .routes = ROUTES, .n_routes = N_ROUTES};

/* Does path (relative, no trailing slash) match pattern? The "*" segment is
 * copied into param_buf. */
static bool pattern_matches(const char *pattern, const char *path, char *param_buf,
                            size_t param_bufsz)
{
    const char *star = strchr(pattern, '*');
    if (!star)
        return strcmp(pattern, path) == 0;
    size_t head = (size_t)(star - pattern);
    if (strncmp(pattern, path, head) != 0)
        return false;
    const char *seg = path + head;
    size_t seglen = strlen(seg);
    if (seglen == 0 || strchr(seg, '/') || seglen >= param_bufsz)
        return false;
    memcpy(param_buf, seg, seglen + 1);
    return true;
}

static void append_allow(char *allow, size_t allowsz, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t n = strlen(allow);
    snprintf(allow + n, allowsz - n, "%s%s", n ? ", " : "", method);
}

static const rbx_route *match_in(const rbx_dialect *d, const char *method, const char *rel,
                                 char *param_buf, size_t param_bufsz, const char **param,
                                 char *allow, size_t allowsz, rbx_error *err)
{
    for (size_t i = 0; i < d->n_routes; i++) {
        const rbx_route *r = &d->routes[i];
        if (!pattern_matches(r->pattern, rel, param_buf, param_bufsz))
            continue;
        /* HEAD is GET without the body (serve.c leaves it out). */
        bool head_of_get = strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
        if (strcmp(r->method, method) == 0 || head_of_get) {
            *param = strchr(r->pattern, '*') ? param_buf : NULL;
            return r;
        }
        append_allow(allow, allowsz, r->method);
        if (strcmp(r->method, "GET") == 0)
            append_allow(allow, allowsz, "HEAD");
    }
    if (allow[0])
        rbx_error_raise(err, RBX_ERR_NOT_ALLOWED, NULL, NULL, "%s is not allowed here; use %s",
                        method, allow);
    else
        rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no such resource: %s", rel);
    return NULL;
}

/* The dialect is found first (so its 404s are in its own shape), then the route. */
static const rbx_route *find_route(const char *method, const char *path, char *param_buf,
                                   size_t param_bufsz, const char **param, char *allow,
                                   size_t allowsz, const rbx_dialect **dialect, rbx_error *err)
{
    char rel[1024];
    const char *relp;
    *param = NULL;
    allow[0] = '\0';
    *dialect = rbx_dialect_for(path, rel, sizeof(rel), &relp);
    if (!*dialect) {
        rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no such resource: %s", path);
        return NULL;
    }
    return match_in(*dialect, method, relp, param_buf, param_bufsz, param, allow, allowsz, err);
}

const rbx_route *rbx_route_match(const char *method, const char *path, char *param_buf,
                                 size_t param_bufsz, const char **param, char *allow,
                                 size_t allowsz, rbx_error *err)
{
    const rbx_dialect *d;
    return find_route(method, path, param_buf, param_bufsz, param, allow, allowsz, &d, err);
}

/* Native keys come as Bearer; a dialect names its own header, and may let
 * key-less clients in as the user the operator configured for it. */
static int authenticate(const rbx_dialect *d, rbx_service *svc, const rbx_http_request *http,
                        rbx_key_info *caller, rbx_error *err)
{
    if (!d->key_of)
        return rbx_auth_caller(svc->store, http, caller, err);
    const char *token = d->key_of(http);
    const char *user = d->keyless_user ? d->keyless_user(svc->cfg) : "";
    if (token)
        return rbx_auth_token(svc->store, token, caller, err);
    if (user[0])
        return rbx_auth_keyless(svc->store, user, caller, err);
    return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL, "an API key is required");
}

/* A seed platform validates with POST /validate?code=...&language=... and no
 * body: the same request, spelled in the query string. */
static int query_as_body(rbx_service *svc, const rbx_http_request *http, json_object **out,
                         rbx_error *err)
{
    static const char *const KEYS[] = {"code", "language", NULL};
    size_t cap = svc->cfg->max_code_kb * 1024 + 1;
    char *buf = malloc(cap);
    if (!buf)
        return rbx_error_errno(err, "out of memory");
    *out = json_object_new_object();
    for (size_t i = 0; KEYS[i]; i++) {
        int found = rbx_http_query_get(http->query, KEYS[i], buf, cap, err);
        if (found < 0) {
            free(buf);
            json_object_put(*out);
            *out = NULL;
            return -1;
        }
        if (found)
            json_object_object_add(*out, KEYS[i], json_object_new_string(buf));
    }
    free(buf);
    return 0;
}

static bool body_in_query(const rbx_route *route, const rbx_http_request *http)
{
    return route->query_body && http->content_length <= 0 && strstr(http->query, "code=");
}

/* Read and parse the JSON body of a route that takes one. */
static int load_json_body(rbx_service *svc, const rbx_http_request *http, bool any_type,
                          rbx_body_reader read_body, void *read_ctx, json_object **out,
                          rbx_error *err)
{
    if (!any_type && rbx_http_require_json(http, err) < 0)
        return -1;
    size_t cap = rbx_http_body_cap(svc->cfg->max_code_kb, svc->cfg->max_stdin_kb);
    if (http->content_length > (long long)cap)
        return rbx_error_raise(err, RBX_ERR_TOO_LARGE, NULL, NULL,
                               "the body is %lld bytes; at most %zu are accepted",
                               http->content_length, cap);
    char *body = NULL;
    size_t len = 0;
    if (read_body(read_ctx, cap, &body, &len, err) < 0)
        return -1;
    int rc = rbx_http_parse_json_object(body, len, out, err);
    free(body);
    return rc;
}

static void reply_error(const rbx_dialect *d, rbx_reply *reply, const rbx_error *err)
{
    snprintf(reply->error_code, sizeof(reply->error_code), "%s", err->code);
    json_object_put(reply->body);
    reply->status = rbx_http_status_of(err->kind);
    reply->body =
        d && d->error_body ? d->error_body(err, &reply->status) : rbx_http_error_json(err);
    if (err->retry_after > 0)
        reply->retry_after = err->retry_after;
}

/* Shedding at the door: a request that could not start within queue_wait_ms
 * (it waited in the socket's backlog for a free worker) is refused at once
 * with 503 and Retry-After; one that did start may wait for a sandbox only
 * what is left of queue_wait_ms (svc->queue_wait_left_ms, fcgi/fairness.c).
 * The wait counts from nginx's $msec (REQUEST_START): same host, same clock,
 * the wall clock (rbx_clock_unix_ms), not the monotonic one: $msec is wall time. */
static int admit(rbx_service *svc, const rbx_http_request *http, rbx_error *err)
{
    int budget = svc->cfg->queue_wait_ms;
    long long waited = http->start_ms > 0 ? rbx_clock_unix_ms() - http->start_ms : 0;
    if (waited < 0)
        waited = 0;
    if (waited > budget) {
        rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL,
                        "every pool worker was busy for %lld ms (queue_wait_ms is %d)", waited,
                        budget);
        err->retry_after = budget / 1000 + 1;
        return -1;
    }
    svc->queue_wait_left_ms = budget - (int)waited;
    return 0;
}

/* A GET never takes a sandbox (runs are POSTs; a GET with the code in its
 * query string would be query_body): the light workers may serve it, and it
 * is never shed. */
static bool route_read_only(const rbx_route *route)
{
    return strcmp(route->method, "GET") == 0 && !route->query_body;
}

/* The light workers serve only routes that never take a sandbox: a run sent
 * to their socket would make /health wait behind it. */
static int served_here(const rbx_service *svc, const rbx_route *route, const char *path,
                       rbx_error *err)
{
    if (!svc->light || route_read_only(route))
        return 0;
    return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL,
                           "%s is not served on the read-only socket (see nginx/runbox.conf)",
                           path);
}

/* OPTIONS on a path that has routes (find_route's 405, the methods in
 * reply->allow) is a CORS preflight: answered before the door's shedding and
 * the key, which a browser never sends with it. */
static bool answer_preflight(rbx_service *svc, const rbx_http_request *http, const rbx_dialect *d,
                             const rbx_error *match_err, rbx_reply *reply)
{
    if (!rbx_cors_is_preflight(http) || match_err->kind != RBX_ERR_NOT_ALLOWED)
        return false;
    snprintf(reply->route, sizeof(reply->route), "OPTIONS %s", d ? d->name : "-");
    rbx_error err;
    rbx_error_clear(&err);
    if (rbx_cors_check_preflight(svc->cfg, http, &err) < 0) {
        reply_error(d, reply, &err);
        return true;
    }
    reply->status = 204;
    reply->preflight = true;
    return true;
}

void rbx_route_dispatch(rbx_service *svc, const rbx_http_request *http, rbx_body_reader read_body,
                        void *read_ctx, rbx_reply *reply)
{
    rbx_error err;
    rbx_error_clear(&err);
    memset(reply, 0, sizeof(*reply));
    char param[256];
    rbx_call call = {.svc = svc, .http = http};

    const rbx_dialect *d = NULL;
    const rbx_route *route = find_route(http->method, http->path, param, sizeof(param), &call.param,
                                        reply->allow, sizeof(reply->allow), &d, &err);
    if (!route && answer_preflight(svc, http, d, &err, reply))
        return;
    if (route)
        snprintf(reply->route, sizeof(reply->route), "%s %s%s", route->method,
                 d == &rbx_dialect_native ? "" : d->prefix, route->pattern);
    if (!route || served_here(svc, route, http->path, &err) < 0 ||
        (!route_read_only(route) && admit(svc, http, &err) < 0)) {
        reply_error(d, reply, &err);
        return;
    }
    if (route->needs_key && authenticate(d, svc, http, &call.key, &err) < 0) {
        reply_error(d, reply, &err);
        return;
    }
    snprintf(reply->user, sizeof(reply->user), "%s", call.key.user);
    snprintf(reply->key_prefix, sizeof(reply->key_prefix), "%s", call.key.prefix);
    if (body_in_query(route, http)
            ? query_as_body(svc, http, &call.json, &err) < 0
            : route->takes_json && load_json_body(svc, http, d->any_content_type, read_body,
                                                  read_ctx, &call.json, &err) < 0) {
        reply_error(d, reply, &err);
        return;
    }
    if (route->handler(&call, reply, &err) < 0)
        reply_error(d, reply, &err);
    json_object_put(call.json);
}
