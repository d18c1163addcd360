/* Unit tests for output comparison: JSON values with a numeric tolerance,
 * otherwise text without trailing whitespace and trailing blank lines. */
#include <check.h>
#include <string.h>

#include "engine/grading/grading.h"
#include "tests/unit/support/check_main.h"

/* Compare two JSON documents (as the request and the harness give them). */
static bool eq(const char *expected_json, const char *actual_json)
{
    json_object *e = json_tokener_parse(expected_json), *a = json_tokener_parse(actual_json);
    bool r = rbx_grading_outputs_equal(e, a);
    json_object_put(e);
    json_object_put(a);
    return r;
}

/* Compare an expected output with a program's stdout text. */
static bool eq_stdout(const char *expected_json, const char *stdout_text)
{
    json_object *e = json_tokener_parse(expected_json), *a = json_object_new_string(stdout_text);
    bool r = rbx_grading_outputs_equal(e, a);
    json_object_put(e);
    json_object_put(a);
    return r;
}

static bool text_eq(const char *a, const char *b)
{
    return rbx_grading_text_equal(a, strlen(a), b, strlen(b));
}

START_TEST(test_numbers_as_text_and_values_are_equal)
{
    ck_assert(eq("\"2\"", "2"));
    ck_assert(eq("2", "2.0"));
    ck_assert(eq("\"2\"", "2.0"));
    ck_assert(eq_stdout("2", "2\n"));
    ck_assert(eq_stdout("\"2.0\"", "2\n"));
    ck_assert(eq_stdout("3", "  3  \n\n"));
    ck_assert(!eq("2", "3"));
    ck_assert(!eq_stdout("2", "2 3\n"));
}
END_TEST

START_TEST(test_relative_tolerance)
{
    ck_assert(eq("1e12", "1000000000000.0005"));
    ck_assert(eq("0.1", "0.10000000000000001"));
    ck_assert(eq("2.5", "2.5000000001"));
    ck_assert(!eq("2.5", "2.50001"));
    ck_assert(!eq("1e12", "1000000002000"));
    ck_assert(eq("0", "1e-12")); /* absolute floor near zero */
    ck_assert(!eq("0", "1e-6"));
    /* large integers compare exactly, not through doubles */
    ck_assert(eq("9007199254740993", "9007199254740993"));
}
END_TEST

START_TEST(test_arrays_and_objects_structurally)
{
    ck_assert(eq("[1, 2, [3, 4.0]]", "[1.0,2,[3,4]]"));
    ck_assert(!eq("[1, 2]", "[2, 1]"));
    ck_assert(!eq("[1, 2]", "[1, 2, 3]"));
    ck_assert(eq("{\"a\": 1, \"b\": [true]}", "{\"b\": [true], \"a\": 1.0}"));
    ck_assert(!eq("{\"a\": 1}", "{\"a\": 1, \"b\": 2}"));
    ck_assert(!eq("{\"a\": 1}", "{\"b\": 1}"));
    ck_assert(eq_stdout("[1, 2]", "[1,2]\n"));
    ck_assert(eq_stdout("\"[1, 2]\"", "[1, 2]"));
    ck_assert(!eq("[true]", "[1]"));
    ck_assert(eq("null", "null"));
    ck_assert(!eq("null", "0"));
    ck_assert(!eq("[\"a\"]", "[\"a \"]")); /* inside a value, strings are exact */
}
END_TEST

START_TEST(test_strings_and_booleans)
{
    ck_assert(eq("\"hello\"", "\"hello\""));
    ck_assert(eq("\"\\\"hello\\\"\"", "\"hello\"")); /* "\"hello\"" is the JSON string hello */
    ck_assert(!eq("\"hello\"", "\"Hello\""));
    ck_assert(eq("true", "true"));
    ck_assert(eq_stdout("true", "true\n"));
    ck_assert(!eq_stdout("true", "True\n"));
    ck_assert(!eq("true", "false"));
}
END_TEST

START_TEST(test_text_ignores_trailing_whitespace_and_blank_lines)
{
    ck_assert(text_eq("a b\nc", "a b  \nc\t\n\n\n"));
    ck_assert(text_eq("a\r\nb\r\n", "a\nb"));
    ck_assert(text_eq("", "\n\n  \n"));
    ck_assert(!text_eq("a b", "a  b"));
    ck_assert(!text_eq(" a", "a"));        /* leading whitespace counts */
    ck_assert(!text_eq("a\n\nb", "a\nb")); /* blank lines inside count */
    ck_assert(!text_eq("a", "a\nb"));
    ck_assert(!text_eq("ab", "a"));
    ck_assert(eq_stdout("\"Hello, World!\"", "Hello, World!\n"));
    ck_assert(eq_stdout("\"line 1\\nline 2\\n\"", "line 1   \nline 2\n\n"));
}
END_TEST

START_TEST(test_not_json_text_is_never_parsed_in_part)
{
    ck_assert(!eq_stdout("1", "1 2"));
    ck_assert(!eq_stdout("[1]", "[1] trailing"));
    ck_assert(eq_stdout("\"1 2\"", "1 2\n"));
    ck_assert(!eq_stdout("\"NaN\"", "nan"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("grading compare");
    TCase *tc = tcase_create("compare");
    tcase_add_test(tc, test_numbers_as_text_and_values_are_equal);
    tcase_add_test(tc, test_relative_tolerance);
    tcase_add_test(tc, test_arrays_and_objects_structurally);
    tcase_add_test(tc, test_strings_and_booleans);
    tcase_add_test(tc, test_text_ignores_trailing_whitespace_and_blank_lines);
    tcase_add_test(tc, test_not_json_text_is_never_parsed_in_part);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
