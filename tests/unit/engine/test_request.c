/* Request validation: every kind of bad /execute body gets the documented
 * kind, code and field; good bodies are decoded as the engine needs them. */
#include <check.h>
#include <string.h>

#include "engine/request.h"
#include "helpers.h"
#include "tests/unit/support/check_main.h"

static rbx_language_set langs;
static rbx_config cfg;

static void setup(void)
{
    rbx_config_defaults(&cfg);
    load_languages(&langs);
}

static void teardown(void)
{
    rbx_languages_free(&langs);
}

/* The bad bodies, each with the kind, code and field its error must name:
 * requests/bad.json beside this file, one body a line as a client sends it. */
static json_object *bad;

static rbx_error_kind kind_named(const char *name)
{
    static const struct {
        const char *name;
        rbx_error_kind kind;
    } KINDS[] = {{"invalid", RBX_ERR_INVALID}, {"over_limit", RBX_ERR_OVER_LIMIT}};
    for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
        if (strcmp(KINDS[i].name, name) == 0)
            return KINDS[i].kind;
    ck_abort_msg("requests/bad.json: unknown kind %s", name);
    return RBX_ERR_INTERNAL;
}

static const char *fixture_str(json_object *c, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(c, key, &v) && json_object_is_type(v, json_type_string),
                  "requests/bad.json: no \"%s\" in %s", key, json_object_to_json_string(c));
    return json_object_get_string(v);
}

START_TEST(test_bad_input_table)
{
    json_object *c = json_object_array_get_idx(bad, (size_t)_i), *body, *async;
    ck_assert_msg(json_object_object_get_ex(c, "body", &body), "case %d has no body", _i);
    bool for_async =
        json_object_object_get_ex(c, "async", &async) && json_object_get_boolean(async);
    const char *text = json_object_to_json_string(body);
    rbx_request *req = NULL;
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_request_parse_with(&cfg, &langs, body, for_async, &req, &err);
    ck_assert_msg(rc == -1, "case %d (%s) was accepted", _i, text);
    ck_assert_ptr_null(req);
    rbx_error_kind want = kind_named(fixture_str(c, "kind"));
    ck_assert_msg(err.kind == want, "case %d: kind %d, want %d (%s)", _i, (int)err.kind, want,
                  err.message);
    ck_assert_str_eq(err.code, fixture_str(c, "code"));
    const char *field = fixture_str(c, "field");
    ck_assert_msg(strcmp(err.field, field) == 0, "case %d: field \"%s\", want \"%s\" (%s)", _i,
                  err.field, field, err.message);
    ck_assert_msg(err.message[0] != '\0', "case %d has no message", _i);
}
END_TEST

static rbx_request *parse_ok(const char *text, bool for_async)
{
    json_object *body = json_tokener_parse(text);
    rbx_request *req = NULL;
    rbx_error err;
    ck_assert_ptr_nonnull(body);
    int rc = rbx_request_parse_with(&cfg, &langs, body, for_async, &req, &err);
    ck_assert_msg(rc == 0, "rejected: %s (field %s)", err.message, err.field);
    json_object_put(body); /* the request keeps its own reference */
    return req;
}

START_TEST(test_minimal_request_defaults)
{
    rbx_request *req = parse_ok("{\"language\": \"py\", \"code\": \"print(1)\"}", false);
    ck_assert_str_eq(rbx_request_language_id(req), "python");
    ck_assert_uint_eq(req->n_files, 1);
    ck_assert_str_eq(req->files[0].name, "main.py");
    ck_assert_str_eq(req->files[0].content, "print(1)");
    ck_assert(rbx_request_save_history(req));
    ck_assert_ptr_null(rbx_request_callback_url(req));
    ck_assert_ptr_null(req->stdin_data);
    ck_assert_ptr_null(req->args[0]);
    ck_assert_uint_eq(req->limits.memory_kb, 0);
    ck_assert(!req->has_project_id);
    ck_assert_ptr_nonnull(rbx_request_body(req));
    rbx_request_free(req);
}
END_TEST

START_TEST(test_aliases_resolve_case_insensitively)
{
    static const char *const PAIRS[][2] = {
        {"C++", "cpp"},   {"js", "javascript"},  {"node", "javascript"}, {"ts", "typescript"},
        {"golang", "go"}, {"python3", "python"}, {"Java", "java"},       {"c", "c"}};
    for (size_t i = 0; i < sizeof(PAIRS) / sizeof(PAIRS[0]); i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"language\": \"%s\", \"code\": \"x\"}", PAIRS[i][0]);
        rbx_request *req = parse_ok(body, false);
        ck_assert_str_eq(rbx_request_language_id(req), PAIRS[i][1]);
        rbx_request_free(req);
    }
}
END_TEST

START_TEST(test_full_request_is_decoded)
{
    rbx_request *req = parse_ok(
        "{\"language\": \"python\", \"code\": \"cHJpbnQoaW5wdXQoKSk=\", \"base64_encoded\": true,"
        " \"files\": [{\"name\": \"util.py\", \"content\": \"eD0x\"}], \"stdin\": \"aGVsbG8K\","
        " \"args\": [\"--fast\", \"two words\"], \"limits\": {\"cpu_time_ms\": 1000, "
        "\"memory_kb\": 65536},"
        " \"project_id\": 12, \"session_id\": \"abc\", \"save_history\": false,"
        " \"test_cases\": [{\"stdin\": \"MSAy\", \"expected_output\": \"Mw==\"}],"
        " \"callback_url\": \"https://example.org/hook\"}",
        true);
    ck_assert_str_eq(req->files[0].content, "print(input())");
    ck_assert_str_eq(req->files[1].name, "util.py");
    ck_assert_str_eq(req->files[1].content, "x=1");
    ck_assert_uint_eq(req->stdin_len, 6);
    ck_assert_str_eq(req->stdin_data, "hello\n");
    ck_assert_str_eq(req->args[1], "two words");
    ck_assert_uint_eq(req->limits.cpu_time_ms, 1000);
    ck_assert_uint_eq(req->limits.memory_kb, 65536);
    ck_assert_uint_eq(req->limits.wall_time_ms, 0);
    ck_assert(req->has_project_id);
    ck_assert_int_eq(req->project_id, 12);
    ck_assert_str_eq(req->session_id, "abc");
    ck_assert(!req->save_history);
    ck_assert_int_eq(req->grading.mode, RBX_MODE_IO);
    ck_assert_uint_eq(req->grading.n_cases, 1);
    ck_assert_str_eq(json_object_get_string(req->grading.cases[0].expected), "3");
    ck_assert_str_eq(rbx_request_callback_url(req), "https://example.org/hook");
    rbx_request_free(req);
}
END_TEST

START_TEST(test_tests_are_decoded)
{
    rbx_request *req =
        parse_ok("{\"language\": \"python\", \"code\": \"eD0x\", \"base64_encoded\": true,"
                 " \"tests\": \"YXNzZXJ0IFRydWU=\"}",
                 false);
    ck_assert_str_eq(req->grading.tests, "assert True");
    ck_assert_int_eq(req->grading.mode, RBX_MODE_TESTS);
    rbx_request_free(req);
}
END_TEST

START_TEST(test_files_only_entry_comes_first)
{
    rbx_request *req = parse_ok("{\"language\": \"java\", \"files\": [{\"name\": \"Util.java\", "
                                "\"content\": \"class Util {}\"},"
                                " {\"name\": \"Main.java\", \"content\": \"class Main {}\"}]}",
                                false);
    ck_assert_uint_eq(req->n_files, 2);
    ck_assert_str_eq(req->files[0].name, "Main.java");
    ck_assert_str_eq(req->files[1].name, "Util.java");
    rbx_request_free(req);
    req = parse_ok(
        "{\"language\": \"python\", \"files\": [{\"name\": \"app.py\", \"content\": \"1\"}]}",
        false);
    ck_assert_str_eq(req->files[0].name, "app.py");
    rbx_request_free(req);
}
END_TEST

static char *body_with_code_of(size_t n, const char *field)
{
    char *code = malloc(n + 1);
    memset(code, 'x', n);
    code[n] = '\0';
    json_object *o = json_object_new_object();
    json_object_object_add(o, "language", json_object_new_string("python"));
    json_object_object_add(o, "code", json_object_new_string("pass"));
    if (strcmp(field, "code") == 0)
        json_object_object_add(o, "code", json_object_new_string(code));
    else
        json_object_object_add(o, field, json_object_new_string(code));
    char *text = strdup(json_object_to_json_string(o));
    json_object_put(o);
    free(code);
    return text;
}

START_TEST(test_code_size_cap)
{
    char *ok = body_with_code_of(50 * 1024, "code");
    rbx_request *req = parse_ok(ok, false);
    rbx_request_free(req);
    free(ok);

    char *big = body_with_code_of(50 * 1024 + 1, "code");
    json_object *body = json_tokener_parse(big);
    rbx_error err;
    ck_assert_int_eq(rbx_request_parse_with(&cfg, &langs, body, false, &req, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_TOO_LARGE);
    ck_assert_str_eq(err.code, "payload_too_large");
    ck_assert_str_eq(err.field, "code");
    json_object_put(body);
    free(big);
}
END_TEST

START_TEST(test_stdin_size_cap)
{
    cfg.max_stdin_kb = 1;
    char *big = body_with_code_of(1025, "stdin");
    json_object *body = json_tokener_parse(big);
    rbx_request *req;
    rbx_error err;
    ck_assert_int_eq(rbx_request_parse_with(&cfg, &langs, body, false, &req, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_TOO_LARGE);
    ck_assert_str_eq(err.field, "stdin");
    json_object_put(body);
    free(big);
}
END_TEST

START_TEST(test_too_many_files_and_cases)
{
    json_object *o = json_tokener_parse("{\"language\": \"python\", \"code\": \"x\"}");
    json_object *files = json_object_new_array(), *cases = json_object_new_array();
    for (int i = 0; i <= RBX_MAX_FILES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%d.py", i);
        json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(name));
        json_object_object_add(f, "content", json_object_new_string(""));
        json_object_array_add(files, f);
    }
    json_object_object_add(o, "files", files);
    rbx_request *req;
    rbx_error err;
    ck_assert_int_eq(rbx_request_parse_with(&cfg, &langs, o, false, &req, &err), -1);
    ck_assert_str_eq(err.field, "files");
    json_object_object_del(o, "files");
    for (int i = 0; i <= cfg.max_test_cases; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "stdin", json_object_new_string(""));
        json_object_object_add(c, "expected_output", json_object_new_string(""));
        json_object_array_add(cases, c);
    }
    json_object_object_add(o, "test_cases", cases);
    ck_assert_int_eq(rbx_request_parse_with(&cfg, &langs, o, false, &req, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_OVER_LIMIT);
    ck_assert_str_eq(err.field, "test_cases");
    json_object_put(o);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("validation");
    tcase_add_checked_fixture(tc, setup, teardown);
    bad = load_fixture("engine/requests/bad.json");
    tcase_add_loop_test(tc, test_bad_input_table, 0, (int)json_object_array_length(bad));
    tcase_add_test(tc, test_minimal_request_defaults);
    tcase_add_test(tc, test_aliases_resolve_case_insensitively);
    tcase_add_test(tc, test_full_request_is_decoded);
    tcase_add_test(tc, test_tests_are_decoded);
    tcase_add_test(tc, test_files_only_entry_comes_first);
    tcase_add_test(tc, test_code_size_cap);
    tcase_add_test(tc, test_stdin_size_cap);
    tcase_add_test(tc, test_too_many_files_and_cases);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
