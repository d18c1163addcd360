/* Unit tests for common/json_strict: what json-c accepts and a request body
 * must not carry, each refused with its field; and what is fine passes. */
#include <check.h>
#include <string.h>

#include "common/json_strict.h"
#include "tests/unit/support/check_main.h"

static const struct {
    const char *text;
    const char *field; /* NULL: accepted; "": refused with no field */
} CASES[] = {
    {"{\"language\":\"c\",\"code\":\"x\"}", NULL},
    {"{\"language\":\"c\",\"code\":\"x\",\"language\":\"python\"}", "language"},
    {"{\"language\":\"c\",\"langu\\u0061ge\":\"python\"}", "language"},
    {"{\"limits\":{\"a\":1,\"a\":2}}", "limits.a"},
    {"{\"a\":{\"x\":1},\"b\":{\"x\":1}}", NULL},
    {"{\"code\":\"\xc0\xaf\"}", "code"},
    {"{\"code\":\"\xe0\x80\xaf\"}", "code"},
    {"{\"code\":\"\xed\xa0\x80\"}", "code"},
    {"{\"code\":\"\xf4\x90\x80\x80\"}", "code"},
    {"{\"code\":\"\x80\"}", "code"},
    {"{\"code\":\"\xe2\x82\"}", "code"},
    {"{\"code\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", NULL},
    {"{\"code\":\"\\ud800\"}", "code"},
    {"{\"code\":\"\\udc00x\"}", "code"},
    {"{\"code\":\"\\ud800\\u0041\"}", "code"},
    {"{\"code\":\"\\ud83d\\ude00\"}", NULL},
    {"{\"language\":\"python\\u0000c\"}", "language"},
    {"{\"function_name\":\"f\\u0000\"}", "function_name"},
    {"{\"files\":[{\"name\":\"a.c\",\"content\":\"\"},{\"name\":\"b\\u0000.c\"}]}",
     "files[1].name"},
    {"{\"stdin\":\"a\\u0000b\"}", NULL},
    {"{\"a\\u0000b\":1}", "a?b"},
    {"{\"test_cases\":[{\"input\":\"\\ud800\"}]}", "test_cases[0].input"},
    {"[[[[1]]]]", "[0][0][0]"},
    /* found by tests/fuzz/fuzz_request: an empty object sorted a NULL array */
    {"{}", NULL},
    /* found by tests/fuzz: json-c takes single quotes, the reader then never
     * moved past a '}' inside an array (a hang) */
    {"{'language': \"c\", \"imports\": [(\"x\" }]}", ""},
    {"{\"a\": [1 }]}", "a"},
    {"{\"a\": 'x'}", "a"},
    {"{\"a\" 1}", "a"},
    {"{\"a\": 1 \"b\": 2}", ""},
    {"{\"limits\":{},\"files\":[{}]}", NULL},
    {"{\"x\":[1, 2.5e3, true, false, null, \"s\"]}", NULL},
};

START_TEST(test_cases)
{
    rbx_error err = {0};
    const char *text = CASES[_i].text;
    int rc = rbx_json_strict_check(text, strlen(text), 3, &err);
    if (!CASES[_i].field) {
        ck_assert_msg(rc == 0, "%s refused: %s", text, err.message);
        return;
    }
    ck_assert_msg(rc == -1, "%s accepted", text);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
    ck_assert_str_eq(err.field, CASES[_i].field); /* "" when the body as a whole is named */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_strict");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_cases, 0, sizeof(CASES) / sizeof(CASES[0]));
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
