/* The engine through the real sandbox: every language's hello world, stdin
 * and args, a compile error per language, /validate diagnostics, and the
 * limit verdicts. Skipped, with the reason, where no box can run here. */
#include <check.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "helpers.h"
#include "sandbox/sandbox.h"
#include "tests/unit/support/real_engine.h"
#include "tests/unit/support/check_main.h"

static json_object *execute_body(json_object *body, const char *path)
{
    return strcmp(path, "validate") == 0 ? rbx_test_validate(body) : rbx_test_execute(body);
}

static json_object *run_code(const char *lang, const char *code, const char *path)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "language", json_object_new_string(lang));
    json_object_object_add(body, "code", json_object_new_string(code));
    return execute_body(body, path);
}

static const char *field(json_object *o, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
                  json_object_to_json_string(o));
    return v ? json_object_get_string(v) : "null";
}

static void expect_status(json_object *resp, const char *status)
{
    ck_assert_msg(strcmp(field(resp, "status"), status) == 0, "want %s, got %s", status,
                  json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PRETTY));
}

static const char *const LANGS[] = {"c", "cpp", "python", "javascript", "typescript", "java", "go"};

static const char *const COMPILE_ERRORS[] = {
    "int main(void) { return missing; }\n",
    "int main() { return missing; }\n",
    "print(\"a\"\n",
    "console.log(\"a\"\n",
    "let x: number = ;\nconsole.log(x);\n", /* a syntax error: runs transpile, types are /validate's
                                             */
    "public class Main { public static void main(String[] a) { int x = 1 } }\n",
    "package main\n\nfunc main() { missing() }\n",
};

START_TEST(test_hello_world)
{
    json_object *lang_doc;
    rbx_error err;
    ck_assert_int_eq(rbx_engine_language_json(rbx_test_eng, LANGS[_i], &lang_doc, &err), 0);
    json_object *resp = run_code(LANGS[_i], field(lang_doc, "example"), "execute");
    expect_status(resp, "success");
    ck_assert_str_eq(field(resp, "output"), "Hello, World!\n");
    ck_assert_str_eq(field(resp, "exit_code"), "0");
    json_object *lang;
    json_object_object_get_ex(resp, "language", &lang);
    ck_assert_str_eq(field(lang, "id"), LANGS[_i]);
    ck_assert_str_eq(field(lang, "version"), field(lang_doc, "version"));
    json_object_put(lang_doc);
    json_object_put(resp);
}
END_TEST

START_TEST(test_compile_error)
{
    json_object *resp = run_code(LANGS[_i], COMPILE_ERRORS[_i], "execute"), *compile;
    expect_status(resp, "compile_error");
    ck_assert_msg(strlen(field(resp, "error")) > 0, "empty compiler message");
    json_object_object_get_ex(resp, "compile", &compile);
    ck_assert_str_eq(field(compile, "status"), "error");
    json_object_put(resp);
}
END_TEST

START_TEST(test_validate_diagnostics)
{
    json_object *resp = run_code(LANGS[_i], COMPILE_ERRORS[_i], "validate"), *diags;
    ck_assert_str_eq(field(resp, "valid"), "false");
    ck_assert_str_eq(field(resp, "status"), "compile_error");
    ck_assert(json_object_object_get_ex(resp, "diagnostics", &diags));
    ck_assert_msg(json_object_array_length(diags) >= 1, "%s: no diagnostics from: %s", LANGS[_i],
                  field(resp, "output"));
    json_object *d = json_object_array_get_idx(diags, 0);
    ck_assert_msg(json_object_get_int(json_object_object_get(d, "line")) >= 1, "%s: %s", LANGS[_i],
                  json_object_to_json_string(d));
    json_object_put(resp);
}
END_TEST

START_TEST(test_stdin_args_and_files)
{
    json_object *body =
        json_tokener_parse("{\"language\": \"python\", \"code\": \"import sys, "
                           "util\\nprint(util.twice(input()), sys.argv[1:])\","
                           " \"files\": [{\"name\": \"util.py\", \"content\": \"def twice(s):\\n   "
                           " return s * 2\\n\"}],"
                           " \"stdin\": \"ab\\n\", \"args\": [\"x y\", \"$HOME;\"]}");
    json_object *resp = execute_body(body, "execute");
    expect_status(resp, "success");
    ck_assert_str_eq(field(resp, "output"), "abab ['x y', '$HOME;']\n");
    json_object_put(resp);
}
END_TEST

START_TEST(test_base64_in_and_out)
{
    /* print(open(0,'rb').read()[:1]) with stdin "\xff" */
    json_object *body = json_tokener_parse(
        "{\"language\": \"python\", \"base64_encoded\": true,"
        " \"code\": "
        "\"aW1wb3J0IHN5cwpzeXMuc3Rkb3V0LmJ1ZmZlci53cml0ZShzeXMuc3RkaW4uYnVmZmVyLnJlYWQoKSk=\","
        " \"stdin\": \"/w==\"}");
    json_object *resp = execute_body(body, "execute");
    expect_status(resp, "success");
    ck_assert_str_eq(field(resp, "output"), "/w==");
    json_object_put(resp);
}
END_TEST

START_TEST(test_limit_verdicts)
{
    json_object *resp =
        execute_body(json_tokener_parse("{\"language\": \"python\", \"code\": \"while True: pass\","
                                        " \"limits\": {\"cpu_time_ms\": 500}}"),
                     "execute");
    expect_status(resp, "time_limit");
    json_object_put(resp);

    resp = run_code("python", "x = bytearray(400 * 1024 * 1024)\n", "execute");
    expect_status(resp, "memory_limit");
    json_object_put(resp);

    resp = execute_body(
        json_tokener_parse("{\"language\": \"python\", \"code\": \"print('x' * 5000)\","
                           " \"limits\": {\"output_kb\": 1}}"),
        "execute");
    expect_status(resp, "output_limit");
    ck_assert_str_eq(field(resp, "truncated"), "true");
    json_object_put(resp);

    resp = run_code("c", "int main(void) { int *p = 0; return *p; }\n", "execute");
    expect_status(resp, "runtime_error");
    ck_assert_str_eq(field(resp, "signal"), "SIGSEGV");
    json_object_put(resp);

    resp = run_code("python",
                    "import sys\nprint('\\xff'.encode('latin-1'), "
                    "file=sys.stderr)\nsys.stdout.buffer.write(b'\\xff\\n')\nsys.exit(3)\n",
                    "execute");
    expect_status(resp, "runtime_error");
    ck_assert_str_eq(field(resp, "exit_code"), "3");
    ck_assert_str_eq(field(resp, "output"), "\xEF\xBF\xBD\n");
    json_object_put(resp);
}
END_TEST

/* Grading through the engine's runner: I/O cases in C, a function in Python. */
START_TEST(test_grading_through_the_engine)
{
    json_object *resp = execute_body(
        json_tokener_parse(
            "{\"language\": \"c\", \"code\": \"#include <stdio.h>\\nint main(void)"
            " { int a, b; scanf(\\\"%d %d\\\", &a, &b); printf(\\\"%d\\\\n\\\", a + b); }\","
            " \"test_cases\": [{\"stdin\": \"1 2\", \"expected_output\": \"3\"},"
            " {\"stdin\": \"2 2\", \"expected_output\": \"5\"}]}"),
        "execute");
    expect_status(resp, "wrong_answer");
    ck_assert_str_eq(field(resp, "all_passed"), "false");
    json_object *results;
    ck_assert(json_object_object_get_ex(resp, "results", &results));
    ck_assert_uint_eq(json_object_array_length(results), 2);
    ck_assert_str_eq(field(json_object_array_get_idx(results, 0), "passed"), "true");
    ck_assert_str_eq(field(json_object_array_get_idx(results, 1), "passed"), "false");
    json_object_put(resp);

    resp = execute_body(
        json_tokener_parse(
            "{\"language\": \"python\", \"code\": \"def add_numbers(a, b):\\n    return a + b\\n\","
            " \"function_name\": \"add_numbers\", \"test_cases\": [{\"input\": [1, 2],"
            " \"expected_output\": 3}, {\"input\": [2.5, 0.5], \"expected_output\": \"3\"}]}"),
        "execute");
    expect_status(resp, "success");
    ck_assert_str_eq(field(resp, "all_passed"), "true");
    json_object_put(resp);
}
END_TEST

START_TEST(test_isolation_and_languages)
{
    json_object *iso = rbx_engine_isolation_json(rbx_test_eng);
    ck_assert_str_eq(field(iso, "seccomp"), "true");
    ck_assert_msg(strcmp(field(iso, "cgroup"), "none") != 0, "no cgroup");
    json_object_put(iso);
    json_object *all = rbx_engine_languages_json(rbx_test_eng), *arr;
    ck_assert(json_object_object_get_ex(all, "languages", &arr));
    ck_assert_uint_eq(json_object_array_length(arr), 7);
    json_object_put(all);
    json_object *one;
    rbx_error err;
    ck_assert_int_eq(rbx_engine_language_json(rbx_test_eng, "cobol", &one, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("execute");
    TCase *tc = tcase_create("sandbox");
    suite_add_tcase(s, tc);
    if (!rbx_test_engine_tcase(tc, "test_execute"))
        return s;
    int n = (int)(sizeof(LANGS) / sizeof(LANGS[0]));
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_hello_world, 0, n);
    tcase_add_loop_test(tc, test_compile_error, 0, n);
    tcase_add_loop_test(tc, test_validate_diagnostics, 0, n);
    tcase_add_test(tc, test_stdin_args_and_files);
    tcase_add_test(tc, test_base64_in_and_out);
    tcase_add_test(tc, test_limit_verdicts);
    tcase_add_test(tc, test_grading_through_the_engine);
    tcase_add_test(tc, test_isolation_and_languages);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
