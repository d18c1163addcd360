/* Grading through the real engine and sandbox: every language's function
 * example passes, 100 I/O cases of a C program are compiled once and finish
 * quickly, a syntax error is a compile_error, a time-out between two passing
 * cases is reported as such. Skipped, with the reason, where no box can run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "engine/engine.h"
#include "sandbox/sandbox.h"
#include "tests/unit/support/fixture.h"
#include "tests/unit/support/real_engine.h"
#include "tests/unit/support/check_main.h"

static json_object *execute(const char *body_json)
{
    json_object *body = json_tokener_parse(body_json);
    ck_assert_msg(body != NULL, "bad test body: %s", body_json);
    return rbx_test_execute(body);
}

static const char *str_at(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return "";
    return json_object_get_string(v);
}

static void expect_status(json_object *resp, const char *status)
{
    ck_assert_msg(strcmp(str_at(resp, "status"), status) == 0, "want %s, got %.3000s", status,
                  json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
}

static json_object *result_at(json_object *resp, size_t i)
{
    json_object *results;
    ck_assert(json_object_object_get_ex(resp, "results", &results));
    ck_assert_uint_gt(json_object_array_length(results), i);
    return json_object_array_get_idx(results, i);
}

/* Each language's classic example, through the engine and the sandbox:
 * requests/function_examples.json beside this file, one request a line. */
static json_object *examples;

START_TEST(test_function_examples_pass_in_the_sandbox)
{
    json_object *resp =
        rbx_test_execute(json_object_get(json_object_array_get_idx(examples, (size_t)_i)));
    expect_status(resp, "success");
    json_object *all;
    ck_assert(json_object_object_get_ex(resp, "all_passed", &all) && json_object_get_boolean(all));
    ck_assert_str_eq(str_at(resp, "id"), "run-1");
    json_object_put(resp);
}
END_TEST

START_TEST(test_hundred_c_cases_compiled_once)
{
    char *body = malloc(64 * 1024);
    strcpy(body, "{\"language\": \"c\", \"code\": \"#include <stdio.h>\\nint main(void) { long a, "
                 "b; if (scanf(\\\"%ld %ld\\\", &a, &b) != 2) return 1; printf(\\\"%ld\\\\n\\\", a "
                 "+ b); return 0; }\\n\", \"test_cases\": [");
    for (int i = 0; i < 100; i++)
        sprintf(body + strlen(body), "%s{\"stdin\": \"%d %d\\n\", \"expected_output\": \"%d\"}",
                i ? ", " : "", i, 2 * i, 3 * i);
    strcat(body, "]}");
    uint64_t t0 = rbx_clock_ms();
    json_object *resp = execute(body);
    fprintf(stderr, "100 C I/O cases through the engine: %llu ms\n",
            (unsigned long long)(rbx_clock_ms() - t0));
    expect_status(resp, "success");
    json_object *results;
    json_object_object_get_ex(resp, "results", &results);
    ck_assert_uint_eq(json_object_array_length(results), 100);
    json_object_put(resp);
    free(body);
}
END_TEST

START_TEST(test_python_syntax_error_is_compile_error)
{
    /* The Python example (the first) with a colon missing. */
    json_object *body = NULL;
    ck_assert_int_eq(json_object_deep_copy(json_object_array_get_idx(examples, 0), &body, NULL), 0);
    json_object_object_add(body, "code",
                           json_object_new_string("def add_numbers(a, b)\n    return a + b\n"));
    json_object *resp = rbx_test_execute(body);
    expect_status(resp, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(resp, "error_details"), "SyntaxError"));
    json_object_put(resp);
    resp = execute("{\"language\": \"python\", \"code\": \"print(int(input()) * 2\\n\", "
                   "\"test_cases\": [{\"stdin\": \"2\", \"expected_output\": \"4\"}]}");
    expect_status(resp, "compile_error");
    json_object_put(resp);
}
END_TEST

START_TEST(test_timeout_between_two_passing_cases)
{
    json_object *resp = execute(
        "{\"language\": \"python\", \"code\": \"n = int(input())\\nwhile n < 0: pass\\nprint(n * "
        "2)\\n\", \"limits\": {\"cpu_time_ms\": 500, \"wall_time_ms\": 2000}, \"test_cases\": "
        "[{\"stdin\": \"2\", \"expected_output\": \"4\"}, {\"stdin\": \"-1\", \"expected_output\": "
        "\"0\"}, {\"stdin\": \"5\", \"expected_output\": \"10\"}]}");
    expect_status(resp, "time_limit");
    ck_assert_str_eq(str_at(result_at(resp, 0), "status"), "success");
    ck_assert_str_eq(str_at(result_at(resp, 1), "status"), "time_limit");
    ck_assert_str_eq(str_at(result_at(resp, 2), "status"), "success");
    json_object_put(resp);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("grading through the engine");
    TCase *tc = tcase_create("sandbox");
    suite_add_tcase(s, tc);
    if (!rbx_test_engine_tcase(tc, "test_engine_grading"))
        return s;
    tcase_set_timeout(tc, 240);
    examples = load_fixture("grading/requests/function_examples.json");
    tcase_add_loop_test(tc, test_function_examples_pass_in_the_sandbox, 0,
                        (int)json_object_array_length(examples));
    tcase_add_test(tc, test_hundred_c_cases_compiled_once);
    tcase_add_test(tc, test_python_syntax_error_is_compile_error);
    tcase_add_test(tc, test_timeout_between_two_passing_cases);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
