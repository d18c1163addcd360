/* Unit tests for fcgi/router.c: matching (404, 405 with Allow), and the
 * dispatch steps before a handler, against a real store in a temp dir. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi/router.h"
#include "tests/unit/support/check_main.h"

static const rbx_route *match(const char *method, const char *path, const char **param, char *allow,
                              rbx_error *err)
{
    static char buf[256];
    return rbx_route_match(method, path, buf, sizeof(buf), param, allow, 64, err);
}

START_TEST(test_routes_match_by_method_and_path)
{
    const char *param;
    char allow[64];
    rbx_error err;
    const rbx_route *r = match("GET", "/api/v1/code/health", &param, allow, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert(!r->needs_key);
    ck_assert_ptr_null(param);
    r = match("GET", "/api/v1/code/history/", &param, allow, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert(r->needs_key);
    r = match("DELETE", "/api/v1/code/history/abc", &param, allow, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(param, "abc");
    r = match("GET", "/api/v1/code/languages/py", &param, allow, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert(!r->needs_key);
    ck_assert_str_eq(param, "py");
    r = match("POST", "/api/v1/code/execute", &param, allow, &err);
    ck_assert(r->takes_json && r->needs_key);
}
END_TEST

START_TEST(test_unknown_paths_are_404)
{
    const char *param;
    char allow[64];
    rbx_error err;
    const char *paths[] = {"/",
                           "/api/v1/codex/health",
                           "/api/v1/code",
                           "/api/v1/code/nope",
                           "/api/v1/code/history/a/b",
                           "/api/v1/code/tasks/a/b"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        ck_assert_ptr_null(match("GET", paths[i], &param, allow, &err));
        ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    }
}
END_TEST

START_TEST(test_wrong_method_is_405_with_allow)
{
    const char *param;
    char allow[64];
    rbx_error err;
    ck_assert_ptr_null(match("GET", "/api/v1/code/execute", &param, allow, &err));
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_ALLOWED);
    ck_assert_str_eq(err.code, "method_not_allowed");
    ck_assert_str_eq(allow, "POST");
    ck_assert_ptr_null(match("PUT", "/api/v1/code/history/x", &param, allow, &err));
    ck_assert_str_eq(allow, "GET, HEAD, DELETE");
}
END_TEST

/* ---- dispatch against a real store ------------------------------------ */

static char dir[64];
static rbx_config cfg;
static rbx_service svc;
static char key[128];

static void open_store(void)
{
    snprintf(dir, sizeof(dir), "/tmp/rbx-router-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rbx_config_defaults(&cfg);
    snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", dir);
    char db[PATH_MAX];
    rbx_config_store_path(&cfg, db, sizeof(db));
    rbx_error err;
    memset(&svc, 0, sizeof(svc));
    svc.cfg = &cfg;
    ck_assert_int_eq(rbx_store_open(db, &svc.store, &err), 0);
    rbx_key_info info;
    ck_assert_int_eq(rbx_store_key_create(svc.store, "alice", key, sizeof(key), &info, &err), 0);
}

static void close_store(void)
{
    rbx_store_close(svc.store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int no_body(void *ctx, size_t cap, char **body, size_t *len, rbx_error *err)
{
    (void)ctx;
    (void)cap;
    (void)err;
    *body = strdup("");
    *len = 0;
    return 0;
}

static const char *error_code(const rbx_reply *reply)
{
    json_object *e = json_object_object_get(reply->body, "error");
    return json_object_get_string(json_object_object_get(e, "code"));
}

static void dispatch(const char *method, const char *path, const char *auth,
                     const char *content_type, long long length, rbx_reply *reply)
{
    rbx_http_request http = {.method = method,
                             .path = path,
                             .query = "",
                             .authorization = auth,
                             .content_type = content_type,
                             .content_length = length};
    rbx_route_dispatch(&svc, &http, no_body, NULL, reply);
}

START_TEST(test_dispatch_checks_key_media_type_and_size)
{
    open_store();
    char auth[160];
    snprintf(auth, sizeof(auth), "Bearer %s", key);
    rbx_reply reply;

    dispatch("GET", "/api/v1/code/history", NULL, NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 401);
    ck_assert_str_eq(error_code(&reply), "unauthorized");
    json_object_put(reply.body);

    dispatch("GET", "/api/v1/code/history", "Bearer wrong-key", NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 401);
    json_object_put(reply.body);

    dispatch("GET", "/api/v1/code/history", auth, NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 200);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(reply.body, "total")), 0);
    json_object_put(reply.body);

    dispatch("GET", "/api/v1/code/history/not-a-uuid", auth, NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 404);
    json_object_put(reply.body);

    dispatch("GET", "/api/v1/code/history/6f1c1f0e-3b7a-4c55-9d0e-7d2a1b9c0a11", auth, NULL, -1,
             &reply);
    ck_assert_int_eq(reply.status, 404);
    json_object_put(reply.body);

    dispatch("POST", "/api/v1/code/execute", auth, "text/plain", 10, &reply);
    ck_assert_int_eq(reply.status, 415);
    json_object_put(reply.body);

    dispatch("POST", "/api/v1/code/execute", auth, "application/json", 100000000, &reply);
    ck_assert_int_eq(reply.status, 413);
    ck_assert_str_eq(error_code(&reply), "payload_too_large");
    json_object_put(reply.body);

    dispatch("POST", "/api/v1/code/execute", auth, "application/json", 0, &reply);
    ck_assert_int_eq(reply.status, 400);
    ck_assert_str_eq(error_code(&reply), "invalid_json");
    json_object_put(reply.body);

    dispatch("PATCH", "/api/v1/code/stats", auth, NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 405);
    ck_assert_str_eq(reply.allow, "GET, HEAD");
    json_object_put(reply.body);

    dispatch("GET", "/api/v1/code/stats", auth, NULL, -1, &reply);
    ck_assert_int_eq(reply.status, 200);
    json_object_put(reply.body);
    close_store();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fcgi-router");
    TCase *tc = tcase_create("router");
    tcase_add_test(tc, test_routes_match_by_method_and_path);
    tcase_add_test(tc, test_unknown_paths_are_404);
    tcase_add_test(tc, test_wrong_method_is_405_with_allow);
    tcase_add_test(tc, test_dispatch_checks_key_media_type_and_size);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
