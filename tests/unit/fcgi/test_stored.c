/* Unit tests for fcgi/stored: the JSON of GET /stats, written from the
 * store's typed statistics, pinned byte for byte as fcgi/serve.c sends it
 * (spaced, slashes unescaped). */
#include <check.h>
#include <string.h>

#include "fcgi/stored.h"
#include "tests/unit/support/check_main.h"

static const char *wire(json_object *doc)
{
    return json_object_to_json_string_ext(doc,
                                          JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
}

START_TEST(test_stats_json_pins_the_wire_format)
{
    rbx_stats_named_group languages[] = {
        {.name = "c", .group = {1, true, true, 5.0, 15.0}},
        {.name = "python", .group = {2, true, true, 15.0, 25.04999}},
    };
    rbx_stats_named_group statuses[] = {
        {.name = "runtime_error", .group = {1, true, true, 20.0, 30.0}},
        {.name = "success", .group = {2, true, false, 7.5, 0}},
    };
    rbx_run_stats stats = {
        .total = {3, true, true, 35.0 / 3, 65.0 / 3},
        .by_language = languages,
        .n_language = 2,
        .by_status = statuses,
        .n_status = 2,
    };
    json_object *doc = rbx_stored_stats_json(&stats);
    ck_assert_str_eq(
        wire(doc),
        "{ \"by_language\": { "
        "\"c\": { \"runs\": 1, \"mean_cpu_time_ms\": 5.0, \"mean_wall_time_ms\": 15.0 }, "
        "\"python\": { \"runs\": 2, \"mean_cpu_time_ms\": 15.0, \"mean_wall_time_ms\": 25.0 } }, "
        "\"by_status\": { "
        "\"runtime_error\": { \"runs\": 1, \"mean_cpu_time_ms\": 20.0, "
        "\"mean_wall_time_ms\": 30.0 }, "
        "\"success\": { \"runs\": 2, \"mean_cpu_time_ms\": 7.5, \"mean_wall_time_ms\": null } }, "
        "\"total\": { \"runs\": 3, \"mean_cpu_time_ms\": 11.7, \"mean_wall_time_ms\": 21.7 } }");
    json_object_put(doc);
}
END_TEST

START_TEST(test_stats_json_of_no_runs)
{
    rbx_run_stats stats = {0};
    json_object *doc = rbx_stored_stats_json(&stats);
    ck_assert_str_eq(wire(doc), "{ \"by_language\": { }, \"by_status\": { }, \"total\": { "
                                "\"runs\": 0, \"mean_cpu_time_ms\": null, "
                                "\"mean_wall_time_ms\": null } }");
    json_object_put(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stored");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, test_stats_json_pins_the_wire_format);
    tcase_add_test(tc, test_stats_json_of_no_runs);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
