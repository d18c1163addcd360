/* Unit tests for common/utf8, the one UTF-8 repair of the engine's answers
 * and runbox-sandbox's report: valid text is kept byte for byte; overlong
 * forms, surrogates, code points past U+10FFFF, stray continuation bytes,
 * truncated sequences (one U+FFFD for the valid prefix) and NUL bytes become
 * U+FFFD; and rbx_utf8_valid agrees with the repair. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "tests/unit/support/check_main.h"

#define FFFD "\xEF\xBF\xBD"

static const struct {
    const char *in;
    size_t len;
    const char *out;
} UTF8[] = {
    {"", 0, ""},
    {"hello\n", 6, "hello\n"},
    {"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 15,
     "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"},
    {"\xF4\x8F\xBF\xBF", 4, "\xF4\x8F\xBF\xBF"}, /* U+10FFFF, the last code point */
    {"a\xFF"
     "b",
     3, "a" FFFD "b"},
    {"\xC0\xAF", 2, FFFD FFFD},                   /* overlong '/', two bytes */
    {"\xE0\x80\xAF", 3, FFFD FFFD FFFD},          /* overlong '/', three bytes */
    {"\xF0\x80\x80\xAF", 4, FFFD FFFD FFFD FFFD}, /* overlong '/', four bytes */
    {"\xED\xA0\x80", 3, FFFD FFFD FFFD},          /* high surrogate */
    {"\xED\xBF\xBF", 3, FFFD FFFD FFFD},          /* low surrogate */
    {"\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD}, /* past U+10FFFF */
    {"\xE2\x82", 2, FFFD},                        /* truncated: one replacement */
    {"\xE2\x82x", 3, FFFD "x"},
    {"\xF0\x9F\x98", 3, FFFD}, /* truncated four-byte sequence at the end */
    {"\xF0\x9F\x98"
     "a",
     4, FFFD "a"},
    {"a\0b", 3, "a" FFFD "b"}, /* NUL would cut C strings downstream */
    {"ab\0", 3, "ab" FFFD},
    {"\x80\x80", 2, FFFD FFFD}, /* stray continuation bytes */
};

START_TEST(test_utf8_repair)
{
    char *out = rbx_utf8_repair(UTF8[_i].in, UTF8[_i].len);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(strcmp(out, UTF8[_i].out) == 0, "case %d", _i);
    ck_assert(rbx_utf8_valid(out, strlen(out)));
    ck_assert_int_eq(rbx_utf8_valid(UTF8[_i].in, UTF8[_i].len),
                     strcmp(UTF8[_i].in, UTF8[_i].out) == 0 &&
                         UTF8[_i].len == strlen(UTF8[_i].out));
    free(out);
}
END_TEST

/* Every byte invalid: the output's worst case (three bytes per input byte)
 * fits the allocation. */
START_TEST(test_utf8_worst_case)
{
    char in[4096];
    memset(in, 0xFF, sizeof(in));
    char *out = rbx_utf8_repair(in, sizeof(in));
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(strlen(out), 3 * sizeof(in));
    ck_assert(rbx_utf8_valid(out, strlen(out)));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("repair");
    tcase_add_loop_test(tc, test_utf8_repair, 0, (int)(sizeof(UTF8) / sizeof(UTF8[0])));
    tcase_add_test(tc, test_utf8_worst_case);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
