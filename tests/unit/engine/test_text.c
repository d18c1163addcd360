/* Base64 both ways and limit merging (UTF-8 repair: tests/unit/common/test_utf8.c). */
#include <check.h>
#include <string.h>

#include "engine/limits.h"
#include "engine/text.h"
#include "helpers.h"
#include "tests/unit/support/check_main.h"

START_TEST(test_base64_round_trip)
{
    const char bin[] = {'\x00', '\xFF', 'a', '\n', '\x80'};
    char *enc = rbx_base64_encode(bin, sizeof(bin));
    ck_assert_str_eq(enc, "AP9hCoA=");
    char *dec;
    size_t len;
    ck_assert_int_eq(rbx_base64_decode(enc, strlen(enc), &dec, &len), 0);
    ck_assert_uint_eq(len, sizeof(bin));
    ck_assert_int_eq(memcmp(dec, bin, len), 0);
    free(dec);
    free(enc);
    ck_assert_int_eq(rbx_base64_decode("aGVs\nbG8=", 9, &dec, &len), 0);
    ck_assert_str_eq(dec, "hello");
    free(dec);
    ck_assert_int_eq(rbx_base64_decode("", 0, &dec, &len), 0);
    ck_assert_uint_eq(len, 0);
    free(dec);
}
END_TEST

START_TEST(test_base64_rejects_garbage)
{
    static const char *const BAD[] = {"%%%", "aGVsbG8", "aGVsbG8=x", "a-_b", "aGVsbG8==="};
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        char *dec = NULL;
        size_t len;
        ck_assert_msg(rbx_base64_decode(BAD[i], strlen(BAD[i]), &dec, &len) == -1, "%s", BAD[i]);
        ck_assert_ptr_null(dec);
    }
}
END_TEST

START_TEST(test_limits_merge)
{
    rbx_language_set set;
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    load_languages(&set);
    rbx_language *py = rbx_languages_find(&set, "python");
    rbx_limits none = {0}, some = {.cpu_time_ms = 1234, .output_kb = 3};
    rbx_sandbox_limits out;

    rbx_limits_for_run(&none, py, &cfg, &out);
    ck_assert_uint_eq(out.cpu_time_ms, py->run_limits.limits.cpu_time_ms);
    ck_assert_uint_eq(out.memory_kb, 131072);
    ck_assert_uint_eq(out.output_bytes, 10 * 1024);
    ck_assert_uint_eq(out.cpu_share_milli, 500);
    ck_assert_uint_eq(out.tmp_size_kb, cfg.tmp_size_kb);

    rbx_limits_for_run(&some, py, &cfg, &out);
    ck_assert_uint_eq(out.cpu_time_ms, 1234);
    ck_assert_uint_eq(out.output_bytes, 3 * 1024);
    ck_assert_uint_eq(out.wall_time_ms, py->run_limits.limits.wall_time_ms);

    /* A language default above the server's maximum is capped by it. */
    cfg.max.memory_kb = 65536;
    cfg.default_cpu_share_milli = 250;
    rbx_limits_for_run(&none, py, &cfg, &out);
    ck_assert_uint_eq(out.memory_kb, 65536);
    ck_assert_uint_eq(out.cpu_share_milli, 250);

    /* A definition's run share wins over the server's default (Java's:
     * a JVM starts on several threads at once). */
    rbx_limits_for_run(&none, rbx_languages_find(&set, "java"), &cfg, &out);
    ck_assert_uint_eq(out.cpu_share_milli, 1000);

    /* Compile steps use the definition's compile limits and share. */
    rbx_limits_for_compile(rbx_languages_find(&set, "go"), &cfg, &out);
    ck_assert_uint_eq(out.processes, 128);
    ck_assert_uint_eq(out.cpu_share_milli, 1000);
    rbx_languages_free(&set);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, test_base64_round_trip);
    tcase_add_test(tc, test_base64_rejects_garbage);
    tcase_add_test(tc, test_limits_merge);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
