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

typedef struct bad_case {
    const char *body;
    bool for_async;
    rbx_error_kind kind;
    const char *code;
    const char *field;
} bad_case;

static const bad_case BAD[] = {
    {"[1, 2]", false, RBX_ERR_INVALID, "invalid_request", ""},
    {"\"text\"", false, RBX_ERR_INVALID, "invalid_request", ""},
    {"{\"code\": \"print(1)\"}", false, RBX_ERR_INVALID, "invalid_request", "language"},
    {"{\"language\": 7, \"code\": \"x\"}", false, RBX_ERR_INVALID, "invalid_request", "language"},
    {"{\"language\": \"cobol\", \"code\": \"x\"}", false, RBX_ERR_INVALID, "invalid_request",
     "language"},
    {"{\"language\": \"python\"}", false, RBX_ERR_INVALID, "invalid_request", "code"},
    {"{\"language\": \"python\", \"code\": \"\"}", false, RBX_ERR_INVALID, "invalid_request",
     "code"},
    {"{\"language\": \"python\", \"code\": 5}", false, RBX_ERR_INVALID, "invalid_request", "code"},
    {"{\"language\": \"python\", \"code\": \"x\", \"colour\": 1}", false, RBX_ERR_INVALID,
     "invalid_request", "colour"},
    {"{\"language\": \"python\", \"code\": \"x\", \"callback_url\": \"http://a/\"}", false,
     RBX_ERR_INVALID, "invalid_request", "callback_url"},
    {"{\"language\": \"python\", \"code\": \"x\", \"callback_url\": \"ftp://a/\"}", true,
     RBX_ERR_INVALID, "invalid_request", "callback_url"},
    {"{\"language\": \"python\", \"code\": \"x\", \"callback_url\": \"not a url\"}", true,
     RBX_ERR_INVALID, "invalid_request", "callback_url"},
    {"{\"language\": \"python\", \"code\": \"x\", \"stdin\": 3}", false, RBX_ERR_INVALID,
     "invalid_request", "stdin"},
    {"{\"language\": \"python\", \"code\": \"x\", \"args\": \"-v\"}", false, RBX_ERR_INVALID,
     "invalid_request", "args"},
    {"{\"language\": \"python\", \"code\": \"x\", \"args\": [\"a\", 2]}", false, RBX_ERR_INVALID,
     "invalid_request", "args[1]"},
    {"{\"language\": \"python\", \"code\": \"x\", \"args\": [\"a\\u0000b\"]}", false,
     RBX_ERR_INVALID, "invalid_request", "args[0]"},
    {"{\"language\": \"python\", \"code\": \"x\", \"base64_encoded\": \"yes\"}", false,
     RBX_ERR_INVALID, "invalid_request", "base64_encoded"},
    {"{\"language\": \"python\", \"code\": \"%%%\", \"base64_encoded\": true}", false,
     RBX_ERR_INVALID, "invalid_request", "code"},
    {"{\"language\": \"python\", \"code\": \"eA==\", \"stdin\": \"!!\", \"base64_encoded\": true}",
     false, RBX_ERR_INVALID, "invalid_request", "stdin"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": 5}", false, RBX_ERR_INVALID,
     "invalid_request", "limits"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"memory_kb\": -1}}", false,
     RBX_ERR_INVALID, "invalid_request", "limits.memory_kb"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"cpu_time_ms\": 0}}", false,
     RBX_ERR_INVALID, "invalid_request", "limits.cpu_time_ms"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"wall_time_ms\": \"5\"}}", false,
     RBX_ERR_INVALID, "invalid_request", "limits.wall_time_ms"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"output_kb\": 1.5}}", false,
     RBX_ERR_INVALID, "invalid_request", "limits.output_kb"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"disk_kb\": 5}}", false,
     RBX_ERR_INVALID, "invalid_request", "limits.disk_kb"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"wall_time_ms\": 30001}}", false,
     RBX_ERR_OVER_LIMIT, "limit_exceeded", "limits.wall_time_ms"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"memory_kb\": 99999999}}", false,
     RBX_ERR_OVER_LIMIT, "limit_exceeded", "limits.memory_kb"},
    {"{\"language\": \"python\", \"code\": \"x\", \"limits\": {\"processes\": 100000}}", false,
     RBX_ERR_OVER_LIMIT, "limit_exceeded", "limits.processes"},
    {"{\"language\": \"python\", \"files\": {}}", false, RBX_ERR_INVALID, "invalid_request",
     "files"},
    {"{\"language\": \"python\", \"files\": [\"a.py\"]}", false, RBX_ERR_INVALID, "invalid_request",
     "files[0]"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"../x.py\", \"content\": \"\"}]}", false,
     RBX_ERR_INVALID, "invalid_request", "files[0].name"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"a/b.py\", \"content\": \"\"}]}", false,
     RBX_ERR_INVALID, "invalid_request", "files[0].name"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \".bashrc\", \"content\": \"\"}]}", false,
     RBX_ERR_INVALID, "invalid_request", "files[0].name"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"\", \"content\": \"\"}]}", false,
     RBX_ERR_INVALID, "invalid_request", "files[0].name"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"a.py\"}]}", false, RBX_ERR_INVALID,
     "invalid_request", "files[0].content"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"a.py\", \"content\": 1}]}", false,
     RBX_ERR_INVALID, "invalid_request", "files[0].content"},
    {"{\"language\": \"python\", \"files\": [{\"name\": \"a.py\", \"content\": \"\", \"mode\": "
     "1}]}",
     false, RBX_ERR_INVALID, "invalid_request", "files[0].mode"},
    {"{\"language\": \"python\", \"code\": \"x\", \"files\": [{\"name\": \"main.py\", \"content\": "
     "\"\"}]}",
     false, RBX_ERR_INVALID, "invalid_request", "files[0].name"},
    {"{\"language\": \"python\", \"code\": \"x\", \"project_id\": \"7\"}", false, RBX_ERR_INVALID,
     "invalid_request", "project_id"},
    {"{\"language\": \"python\", \"code\": \"x\", \"session_id\": 7}", false, RBX_ERR_INVALID,
     "invalid_request", "session_id"},
    {"{\"language\": \"python\", \"code\": \"x\", \"save_history\": 1}", false, RBX_ERR_INVALID,
     "invalid_request", "save_history"},
    {"{\"language\": \"python\", \"code\": \"x\", \"test_cases\": {}}", false, RBX_ERR_INVALID,
     "invalid_request", "test_cases"},
    {"{\"language\": \"python\", \"code\": \"x\", \"test_cases\": [5]}", false, RBX_ERR_INVALID,
     "invalid_request", "test_cases[0]"},
    {"{\"language\": \"python\", \"code\": \"x\", \"test_cases\": [{\"stdin\": \"1\"}]}", false,
     RBX_ERR_INVALID, "invalid_request", "test_cases[0]"},
    {"{\"language\": \"python\", \"code\": \"x\", \"function_name\": \"f\", \"test_cases\": "
     "[{\"input\": 1, \"expected_output\": 1}]}",
     false, RBX_ERR_INVALID, "invalid_request", "test_cases[0].input"},
    {"{\"language\": \"python\", \"code\": \"x\", \"function_name\": \"f\"}", false,
     RBX_ERR_INVALID, "invalid_request", "function_name"},
    {"{\"language\": \"python\", \"code\": \"x\", \"function_name\": \"f-g\", \"test_cases\": "
     "[{\"input\": [], \"expected_output\": 1}]}",
     false, RBX_ERR_INVALID, "invalid_request", "function_name"},
    {"{\"language\": \"python\", \"code\": \"x\", \"tests\": []}", false, RBX_ERR_INVALID,
     "invalid_request", "tests"},
};

START_TEST(test_bad_input_table)
{
    const bad_case *c = &BAD[_i];
    json_object *body = json_tokener_parse(c->body);
    ck_assert_msg(body != NULL, "case %d is not JSON", _i);
    rbx_request *req = NULL;
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_request_parse_with(&cfg, &langs, body, c->for_async, &req, &err);
    ck_assert_msg(rc == -1, "case %d (%s) was accepted", _i, c->body);
    ck_assert_ptr_null(req);
    ck_assert_msg(err.kind == c->kind, "case %d: kind %d, want %d (%s)", _i, (int)err.kind, c->kind,
                  err.message);
    ck_assert_str_eq(err.code, c->code);
    ck_assert_msg(strcmp(err.field, c->field) == 0, "case %d: field \"%s\", want \"%s\" (%s)", _i,
                  err.field, c->field, err.message);
    ck_assert_msg(err.message[0] != '\0', "case %d has no message", _i);
    json_object_put(body);
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
    tcase_add_loop_test(tc, test_bad_input_table, 0, (int)(sizeof(BAD) / sizeof(BAD[0])));
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
