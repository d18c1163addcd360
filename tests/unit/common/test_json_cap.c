/* Unit tests for common/json_cap: a document over its cap fits after, its
 * longest strings cut and marked, its numbers and short strings untouched. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_cap.h"
#include "tests/unit/support/check_main.h"

static json_object *answer(int cases, size_t output_len, char fill)
{
    json_object *doc = json_object_new_object(), *results = json_object_new_array();
    char *big = malloc(output_len + 1);
    memset(big, fill, output_len);
    big[output_len] = '\0';
    for (int i = 0; i < cases; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "status", json_object_new_string("wrong_answer"));
        json_object_object_add(r, "actual_output", json_object_new_string(big));
        json_object_object_add(r, "time_ms", json_object_new_int(7));
        json_object_array_add(results, r);
    }
    free(big);
    json_object_object_add(doc, "status", json_object_new_string("success"));
    json_object_object_add(doc, "results", results);
    return doc;
}

START_TEST(test_under_cap_untouched)
{
    json_object *doc = answer(3, 100, 'x');
    size_t before = rbx_json_size(doc);
    ck_assert(!rbx_json_cap(doc, before));
    ck_assert(!rbx_json_cap(doc, 0));
    ck_assert_uint_eq(rbx_json_size(doc), before);
    json_object_put(doc);
}
END_TEST

START_TEST(test_over_cap_fits_and_is_marked)
{
    static const char FILLS[] = {'x', '\x01', '"'};
    for (size_t f = 0; f < sizeof(FILLS); f++) {
        json_object *doc = answer(10, 100000, FILLS[f]);
        ck_assert(rbx_json_cap(doc, 64 * 1024));
        ck_assert_uint_le(rbx_json_size(doc), 64 * 1024);
        json_object *t, *results = json_object_object_get(doc, "results");
        ck_assert(json_object_object_get_ex(doc, "truncated", &t) && json_object_get_boolean(t));
        json_object *r0 = json_object_array_get_idx(results, 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(r0, "status")),
                         "wrong_answer");
        ck_assert_int_eq(json_object_get_int(json_object_object_get(r0, "time_ms")), 7);
        json_object_put(doc);
    }
}
END_TEST

START_TEST(test_cut_on_character_boundary)
{
    json_object *doc = json_object_new_object();
    char text[3001] = {0};
    for (int i = 0; i < 1000; i++)
        memcpy(text + 3 * i, "\xe2\x82\xac", 3); /* the euro sign */
    json_object_object_add(doc, "output", json_object_new_string(text));
    ck_assert(rbx_json_cap(doc, 1000));
    const char *s = json_object_get_string(json_object_object_get(doc, "output"));
    size_t n = strlen(s);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(n % 3, 0);
    ck_assert_uint_le(rbx_json_size(doc), 1000);
    json_object_put(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_cap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_under_cap_untouched);
    tcase_add_test(tc, test_over_cap_fits_and_is_marked);
    tcase_add_test(tc, test_cut_on_character_boundary);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
