/* Unit tests for rbx_grading_validate: every bad shape of the grading fields
 * gets the documented 400/413/422 with the offending field. */
#include <check.h>
#include <string.h>

#include "engine/grading/grading.h"
#include "tests/unit/support/check_main.h"

static int validate(const char *body_json, int max, rbx_error *err)
{
    json_object *body = json_tokener_parse(body_json);
    ck_assert_ptr_nonnull(body);
    rbx_error_clear(err);
    int rc = rbx_grading_validate(body, max, err);
    json_object_put(body);
    return rc;
}

static void expect_error(const char *body_json, int max, rbx_error_kind kind, const char *field)
{
    rbx_error err;
    ck_assert_int_eq(validate(body_json, max, &err), -1);
    ck_assert_int_eq(err.kind, kind);
    ck_assert_str_eq(err.field, field);
    ck_assert_int_gt(strlen(err.message), 10);
}

START_TEST(test_good_bodies_pass)
{
    rbx_error err;
    ck_assert_int_eq(validate("{\"code\": \"x\"}", 100, &err), 0);
    ck_assert_int_eq(
        validate("{\"test_cases\": [{\"stdin\": \"1 2\\n\", \"expected_output\": \"3\"}]}", 100,
                 &err),
        0);
    ck_assert_int_eq(validate("{\"test_cases\": [{\"expected_output\": 3}]}", 100, &err), 0);
    ck_assert_int_eq(validate("{\"function_name\": \"add\", \"test_cases\": [{\"input\": [1, 2], "
                              "\"expected_output\": 3}]}",
                              100, &err),
                     0);
    ck_assert_int_eq(validate("{\"tests\": \"assert True\"}", 100, &err), 0);
}
END_TEST

START_TEST(test_test_cases_not_a_list)
{
    expect_error("{\"test_cases\": {\"stdin\": \"\"}}", 100, RBX_ERR_INVALID, "test_cases");
    expect_error("{\"test_cases\": \"1 2\"}", 100, RBX_ERR_INVALID, "test_cases");
    expect_error("{\"test_cases\": null}", 100, RBX_ERR_INVALID, "test_cases");
    expect_error("{\"test_cases\": []}", 100, RBX_ERR_INVALID, "test_cases");
    expect_error("{\"test_cases\": [3]}", 100, RBX_ERR_INVALID, "test_cases[0]");
}
END_TEST

START_TEST(test_input_not_a_list)
{
    expect_error(
        "{\"function_name\": \"f\", \"test_cases\": [{\"input\": [1], \"expected_output\": "
        "1}, {\"input\": 5, \"expected_output\": 1}]}",
        100, RBX_ERR_INVALID, "test_cases[1].input");
    expect_error("{\"function_name\": \"f\", \"test_cases\": [{\"expected_output\": 1}]}", 100,
                 RBX_ERR_INVALID, "test_cases[0]");
    expect_error("{\"test_cases\": [{\"input\": [1], \"expected_output\": 1}]}", 100,
                 RBX_ERR_INVALID, "test_cases[0].input");
}
END_TEST

START_TEST(test_case_fields)
{
    expect_error("{\"test_cases\": [{\"stdin\": 5, \"expected_output\": \"5\"}]}", 100,
                 RBX_ERR_INVALID, "test_cases[0].stdin");
    expect_error("{\"test_cases\": [{\"stdin\": \"5\"}]}", 100, RBX_ERR_INVALID, "test_cases[0]");
    expect_error("{\"test_cases\": [{\"stdin\": \"\", \"expected_output\": \"\", \"weight\": 2}]}",
                 100, RBX_ERR_INVALID, "test_cases[0].weight");
}
END_TEST

START_TEST(test_function_name_without_cases)
{
    expect_error("{\"function_name\": \"add\"}", 100, RBX_ERR_INVALID, "function_name");
    expect_error(
        "{\"function_name\": 7, \"test_cases\": [{\"input\": [], \"expected_output\": 1}]}", 100,
        RBX_ERR_INVALID, "function_name");
    expect_error("{\"function_name\": \"a b(\", \"test_cases\": [{\"input\": [], "
                 "\"expected_output\": 1}]}",
                 100, RBX_ERR_INVALID, "function_name");
}
END_TEST

START_TEST(test_over_max_cases)
{
    char body[8192] = "{\"test_cases\": [";
    for (int i = 0; i < 101; i++)
        strcat(body, i ? ",{\"expected_output\": \"1\"}" : "{\"expected_output\": \"1\"}");
    strcat(body, "]}");
    expect_error(body, 100, RBX_ERR_OVER_LIMIT, "test_cases");
    rbx_error err;
    ck_assert_int_eq(validate(body, 200, &err), 0);
    expect_error(body, 0, RBX_ERR_OVER_LIMIT, "test_cases"); /* 0 means the default, 100 */
}
END_TEST

START_TEST(test_tests_field)
{
    expect_error("{\"tests\": 5}", 100, RBX_ERR_INVALID, "tests");
    expect_error("{\"tests\": \"x\", \"test_cases\": [{\"expected_output\": \"1\"}]}", 100,
                 RBX_ERR_INVALID, "tests");
    /* tests with function_name (and cases) is the same refusal, whatever else is right */
    expect_error("{\"tests\": \"x\", \"function_name\": \"f\", \"test_cases\": [{\"input\": [], "
                 "\"expected_output\": 1}]}",
                 100, RBX_ERR_INVALID, "tests");
    expect_error("{\"tests\": \"x\", \"function_name\": \"f\"}", 100, RBX_ERR_INVALID, "tests");
}
END_TEST

START_TEST(test_requested)
{
    json_object *a = json_tokener_parse("{\"code\": \"x\"}");
    json_object *b = json_tokener_parse("{\"code\": \"x\", \"tests\": \"y\"}");
    ck_assert(!rbx_grading_requested(a));
    ck_assert(rbx_grading_requested(b));
    json_object_put(a);
    json_object_put(b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("grading validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, test_good_bodies_pass);
    tcase_add_test(tc, test_test_cases_not_a_list);
    tcase_add_test(tc, test_input_not_a_list);
    tcase_add_test(tc, test_case_fields);
    tcase_add_test(tc, test_function_name_without_cases);
    tcase_add_test(tc, test_over_max_cases);
    tcase_add_test(tc, test_tests_field);
    tcase_add_test(tc, test_requested);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
