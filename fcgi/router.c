#include "fcgi/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/auth.h"

/* Every route of the API in one place. Routes of later issues (async, batch,
 * tasks) are absent and so answer 404. */
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
};
#define N_ROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]))

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

/* The part of path under the API prefix, without one trailing slash; NULL when
 * path is outside the API. */
static const char *relative_path(const char *path, char *buf, size_t bufsz)
{
    size_t plen = strlen(RBX_API_PREFIX);
    if (strncmp(path, RBX_API_PREFIX, plen) != 0 || (path[plen] != '/' && path[plen] != '\0'))
        return NULL;
    snprintf(buf, bufsz, "%s", path + plen);
    size_t n = strlen(buf);
    if (n > 1 && buf[n - 1] == '/')
        buf[n - 1] = '\0';
    return buf;
}

static void append_allow(char *allow, size_t allowsz, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t n = strlen(allow);
    snprintf(allow + n, allowsz - n, "%s%s", n ? ", " : "", method);
}

const rbx_route *rbx_route_match(const char *method, const char *path, char *param_buf,
                                 size_t param_bufsz, const char **param, char *allow,
                                 size_t allowsz, rbx_error *err)
{
    char rel[1024];
    *param = NULL;
    allow[0] = '\0';
    if (!relative_path(path, rel, sizeof(rel))) {
        rbx_error_set(err, 404, "not_found", NULL, "no such resource: %s", path);
        return NULL;
    }
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!pattern_matches(ROUTES[i].pattern, rel, param_buf, param_bufsz))
            continue;
        if (strcmp(ROUTES[i].method, method) == 0) {
            *param = strchr(ROUTES[i].pattern, '*') ? param_buf : NULL;
            return &ROUTES[i];
        }
        append_allow(allow, allowsz, ROUTES[i].method);
    }
    if (allow[0])
        rbx_error_set(err, 405, "method_not_allowed", NULL, "%s is not allowed here; use %s",
                      method, allow);
    else
        rbx_error_set(err, 404, "not_found", NULL, "no such resource: %s", path);
    return NULL;
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
static int load_json_body(rbx_service *svc, const rbx_http_request *http, rbx_body_reader read_body,
                          void *read_ctx, json_object **out, rbx_error *err)
{
    if (rbx_http_require_json(http, err) < 0)
        return -1;
    size_t cap = rbx_http_body_cap(svc->cfg->max_code_kb, svc->cfg->max_stdin_kb);
    if (http->content_length > (long long)cap)
        return rbx_error_set(err, 413, "payload_too_large", NULL,
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

static void reply_error(rbx_reply *reply, const rbx_error *err)
{
    json_object_put(reply->body);
    reply->status = err->status >= 400 && err->status <= 599 ? err->status : 500;
    reply->body = rbx_http_error_json(err);
    if (err->retry_after > 0)
        reply->retry_after = err->retry_after;
}

void rbx_route_dispatch(rbx_service *svc, const rbx_http_request *http, rbx_body_reader read_body,
                        void *read_ctx, rbx_reply *reply)
{
    rbx_error err;
    rbx_error_clear(&err);
    memset(reply, 0, sizeof(*reply));
    char param[256];
    rbx_call call = {.svc = svc, .http = http};

    const rbx_route *route = rbx_route_match(http->method, http->path, param, sizeof(param),
                                             &call.param, reply->allow, sizeof(reply->allow), &err);
    if (!route) {
        reply_error(reply, &err);
        return;
    }
    if (route->needs_key && rbx_auth_caller(svc->store, http, &call.key, &err) < 0) {
        reply_error(reply, &err);
        return;
    }
    if (body_in_query(route, http)
            ? query_as_body(svc, http, &call.json, &err) < 0
            : route->takes_json &&
                  load_json_body(svc, http, read_body, read_ctx, &call.json, &err) < 0) {
        reply_error(reply, &err);
        return;
    }
    if (route->handler(&call, reply, &err) < 0)
        reply_error(reply, &err);
    json_object_put(call.json);
}
