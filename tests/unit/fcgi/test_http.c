/* Unit tests for fcgi/http.c and the Bearer parsing of fcgi/auth.c: what a
 * request looks like to the handlers, and the JSON error envelope. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/auth.h"
#include "fcgi/http.h"
#include "tests/unit/support/check_main.h"

START_TEST(test_request_from_fastcgi_environment)
{
    char *env[] = {"REQUEST_METHOD=POST",
                   "DOCUMENT_URI=/api/v1/code/execute",
                   "REQUEST_URI=/api/v1/code/execute?x=1",
                   "QUERY_STRING=x=1",
                   "CONTENT_TYPE=application/json; charset=utf-8",
                   "CONTENT_LENGTH=42",
                   "HTTP_AUTHORIZATION=Bearer abc",
                   NULL};
    rbx_http_request r;
    rbx_http_request_init(&r, env);
    ck_assert_str_eq(r.method, "POST");
    ck_assert_str_eq(r.path, "/api/v1/code/execute");
    ck_assert_str_eq(r.query, "x=1");
    ck_assert_int_eq(r.content_length, 42);
    ck_assert_str_eq(r.authorization, "Bearer abc");
    rbx_error err;
    ck_assert_int_eq(rbx_http_require_json(&r, &err), 0);
}
END_TEST

/* found by tests/fuzz/fuzz_fcgi_request: a start time past long long's range
 * was converted anyway (undefined behaviour) */
START_TEST(test_request_start_out_of_range)
{
    char *env[] = {"REQUEST_START=1e82", NULL};
    rbx_http_request r;
    rbx_http_request_init(&r, env);
    ck_assert_int_eq(r.start_ms, -1);
    char *ok[] = {"REQUEST_START=1733000000.123", NULL};
    rbx_http_request_init(&r, ok);
    ck_assert_int_eq(r.start_ms, 1733000000123LL);
}
END_TEST

START_TEST(test_request_uri_fallback_and_bad_length)
{
    char *env[] = {"REQUEST_URI=/api/v1/code/history?limit=2", "CONTENT_LENGTH=-5", NULL};
    rbx_http_request r;
    rbx_http_request_init(&r, env);
    ck_assert_str_eq(r.method, "GET");
    ck_assert_str_eq(r.path, "/api/v1/code/history");
    ck_assert_int_eq(r.content_length, -1);
    ck_assert_ptr_null(r.content_type);
}
END_TEST

START_TEST(test_content_type_must_be_json)
{
    rbx_http_request r = {0};
    rbx_error err;
    const char *bad[] = {NULL, "text/plain", "application/jsonx",
                         "application/x-www-form-urlencoded"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r.content_type = bad[i];
        ck_assert_int_eq(rbx_http_require_json(&r, &err), -1);
        ck_assert_int_eq(err.kind, RBX_ERR_UNSUPPORTED);
        ck_assert_str_eq(err.code, "unsupported_media_type");
    }
    r.content_type = "Application/JSON";
    ck_assert_int_eq(rbx_http_require_json(&r, &err), 0);
}
END_TEST

START_TEST(test_json_body_must_be_one_object)
{
    json_object *o = NULL;
    rbx_error err;
    const char *good = " {\"language\": \"c\"}\n";
    ck_assert_int_eq(rbx_http_parse_json_object(good, strlen(good), &o, &err), 0);
    ck_assert_ptr_nonnull(json_object_object_get(o, "language"));
    json_object_put(o);

    struct {
        const char *body;
        const char *code;
    } bad[] = {{"", "invalid_json"},
               {"{", "invalid_json"},
               {"{} {}", "invalid_json"},
               {"not json", "invalid_json"},
               {"[1, 2]", "invalid_request"},
               {"\"text\"", "invalid_request"},
               {"{\"a\": 'x'}", "invalid_json"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(rbx_http_parse_json_object(bad[i].body, strlen(bad[i].body), &o, &err),
                         -1);
        ck_assert_ptr_null(o);
        ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
        ck_assert_str_eq(err.code, bad[i].code);
    }
}
END_TEST

START_TEST(test_json_nesting_is_bounded)
{
    char deep[256];
    memset(deep, '[', 100);
    memcpy(deep + 100, "{}", 3);
    json_object *o = NULL;
    rbx_error err;
    char body[300];
    snprintf(body, sizeof(body), "{\"a\": %s}", deep);
    ck_assert_int_eq(rbx_http_parse_json_object(body, strlen(body), &o, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
}
END_TEST

START_TEST(test_query_parameters)
{
    const char *q = "language=c%2B%2B&limit=5&status=&project_id=-3&x";
    char v[32];
    rbx_error err;
    ck_assert_int_eq(rbx_http_query_get(q, "language", v, sizeof(v), &err), 1);
    ck_assert_str_eq(v, "c++");
    ck_assert_int_eq(rbx_http_query_get(q, "status", v, sizeof(v), &err), 1);
    ck_assert_str_eq(v, "");
    ck_assert_int_eq(rbx_http_query_get(q, "offset", v, sizeof(v), &err), 0);
    ck_assert_int_eq(rbx_http_query_get(q, "x", v, sizeof(v), &err), 1);
    long long n;
    ck_assert_int_eq(rbx_http_query_int(q, "limit", 1, 100, 20, &n, &err), 0);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(rbx_http_query_int(q, "offset", 0, 100, 7, &n, &err), 0);
    ck_assert_int_eq(n, 7);
    ck_assert_int_eq(rbx_http_query_int(q, "project_id", 0, 100, 0, &n, &err), -1);
    ck_assert_str_eq(err.field, "project_id");
    ck_assert_int_eq(rbx_http_query_int("limit=abc", "limit", 1, 100, 20, &n, &err), -1);
    ck_assert_int_eq(rbx_http_query_get("a=%zz", "a", v, sizeof(v), &err), -1);
    ck_assert_int_eq(rbx_http_query_get("a=%4", "a", v, sizeof(v), &err), -1);
    ck_assert_int_eq(rbx_http_query_get("a=%00", "a", v, sizeof(v), &err), -1);
}
END_TEST

START_TEST(test_error_envelope_shape)
{
    rbx_error err;
    rbx_error_raise(&err, RBX_ERR_OVER_LIMIT, NULL, "limits.memory_kb", "too much");
    json_object *o = rbx_http_error_json(&err);
    json_object *e = json_object_object_get(o, "error");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "code")), "limit_exceeded");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "message")), "too much");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "field")),
                     "limits.memory_kb");
    json_object_put(o);

    rbx_error_raise(&err, RBX_ERR_NOT_FOUND, NULL, NULL, "gone");
    o = rbx_http_error_json(&err);
    e = json_object_object_get(o, "error");
    json_object *field = NULL;
    ck_assert(json_object_object_get_ex(e, "field", &field));
    ck_assert_ptr_null(field); /* present and null */
    json_object_put(o);
}
END_TEST

START_TEST(test_bearer_token_parsing)
{
    ck_assert_str_eq(rbx_auth_bearer_token("Bearer rbx_abc123"), "rbx_abc123");
    ck_assert_str_eq(rbx_auth_bearer_token("bearer   k"), "k");
    ck_assert_ptr_null(rbx_auth_bearer_token(NULL));
    ck_assert_ptr_null(rbx_auth_bearer_token("Basic dXNlcjpwdw=="));
    ck_assert_ptr_null(rbx_auth_bearer_token("Bearer"));
    ck_assert_ptr_null(rbx_auth_bearer_token("Bearer "));
    ck_assert_ptr_null(rbx_auth_bearer_token("Bearerabc"));
    ck_assert_ptr_null(rbx_auth_bearer_token("Bearer a b"));
}
END_TEST

START_TEST(test_body_cap_leaves_room_for_base64)
{
    size_t cap = rbx_http_body_cap(50, 1024);
    ck_assert_uint_ge(cap, 50 * 1024 * 4 / 3 + 1024 * 1024 * 4 / 3);
    ck_assert_uint_lt(cap, 4 * 1024 * 1024);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fcgi-http");
    TCase *tc = tcase_create("http");
    tcase_add_test(tc, test_request_from_fastcgi_environment);
    tcase_add_test(tc, test_request_uri_fallback_and_bad_length);
    tcase_add_test(tc, test_request_start_out_of_range);
    tcase_add_test(tc, test_content_type_must_be_json);
    tcase_add_test(tc, test_json_body_must_be_one_object);
    tcase_add_test(tc, test_json_nesting_is_bounded);
    tcase_add_test(tc, test_query_parameters);
    tcase_add_test(tc, test_error_envelope_shape);
    tcase_add_test(tc, test_bearer_token_parsing);
    tcase_add_test(tc, test_body_cap_leaves_room_for_base64);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
