/* Unit tests for the run history: add, get, list with filters and pages,
 * delete, isolation between users, statistics and retention. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/store/fixture.h"

static fixture fx;

static void setup(void)
{
    fixture_open(&fx);
}

static rbx_history_page page;

static void teardown(void)
{
    rbx_history_page_free(&page);
    fixture_close(&fx);
}

static json_object *get_field(json_object *obj, const char *key)
{
    json_object *value = NULL;
    ck_assert_msg(json_object_object_get_ex(obj, key, &value), "no field %s", key);
    return value;
}

/* page: the last list()'s, freed by the next call and by teardown. */
static rbx_history_page *list(const char *user, rbx_history_filter filter)
{
    rbx_history_page_free(&page);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_history_list(fx.store, user, &filter, &page, &err);
    ck_assert_msg(rc == 0, "list: %s", err.message);
    return &page;
}

static size_t items_of(const rbx_history_page *p)
{
    return p->n;
}

static const char *item_id(const rbx_history_page *p, size_t i)
{
    ck_assert_uint_lt(i, p->n);
    return p->items[i].id;
}

#define RUN_ID "11111111-2222-4333-8444-555555555555"

START_TEST(test_get_returns_the_run_in_full)
{
    rbx_run_input in = make_input("python", "print(input())", 7);
    in.files_json = "[{\"name\":\"util.py\",\"content\":\"X = 1\"}]";
    rbx_run_record rec = make_record(RUN_ID, "python", "wrong_answer", 14, 21);
    char *answer = make_answer(&rec);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", &in, &rec, answer, &err), 0);

    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", RUN_ID, &run, &err), 0);
    /* The answer is kept as the writer produced it. */
    ck_assert_str_eq(run.answer, answer);
    ck_assert_str_eq(run.code, "print(input())");
    ck_assert_str_eq(run.stdin_text, "in\n");
    ck_assert_str_eq(run.status, "wrong_answer");
    ck_assert(run.project_id.set);
    ck_assert_int_eq(run.project_id.value, 7);
    ck_assert_str_eq(run.session_id, "sess");
    ck_assert_int_eq(run.cpu_time_ms.value, 14);
    ck_assert_int_eq(run.wall_time_ms.value, 21);
    ck_assert_int_eq(run.memory_kb.value, 9000);
    ck_assert(run.exit_code.set);
    ck_assert_str_eq(run.files_json, in.files_json);
    ck_assert_str_eq(run.args_json, "[\"--fast\"]");
    ck_assert_str_eq(run.limits_json, "{\"memory_kb\":65536}");
    ck_assert_str_eq(run.language, "python");
    ck_assert_str_eq(run.language_version, "1.0");
    ck_assert_ptr_null(run.request_id);
    /* Milliseconds since the epoch (seconds would be below 10^12 until 33658). */
    ck_assert_int_gt(run.created_at_ms, 1000000000000LL);
    ck_assert(!run.base64_encoded);
    rbx_history_row_free(&run);
    free(answer);
}
END_TEST

START_TEST(test_the_record_keeps_the_request_id)
{
    rbx_run_input in = make_input("python", "print(1)", 0);
    rbx_run_record rec = make_record(RUN_ID, "python", "success", 1, 2);
    snprintf(rec.request_id, sizeof(rec.request_id), "0123456789abcdef0123456789abcdef");
    char *answer = make_answer(&rec);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", &in, &rec, answer, &err), 0);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", RUN_ID, &run, &err), 0);
    ck_assert_str_eq(run.request_id, "0123456789abcdef0123456789abcdef");
    ck_assert_ptr_null(strstr(run.answer, "request_id")); /* a column, not in the answer */
    rbx_history_row_free(&run);
    free(answer);
}
END_TEST

START_TEST(test_an_answer_over_the_cap_is_cut)
{
    rbx_store_set_history_max(fx.store, 4096);
    rbx_run_input in = make_input("python", "print(1)", 0);
    rbx_run_record rec = make_record(RUN_ID, "python", "success", 1, 2);
    char big[20000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_string(RUN_ID));
    json_object_object_add(doc, "output", json_object_new_string(big));
    rbx_error err;
    ck_assert_int_eq(
        rbx_store_history_add(fx.store, "alice", &in, &rec, json_object_to_json_string(doc), &err),
        0);
    json_object_put(doc);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", RUN_ID, &run, &err), 0);
    ck_assert_uint_le(strlen(run.answer), 4096);
    json_object *stored = json_tokener_parse(run.answer);
    ck_assert(json_object_get_boolean(get_field(stored, "truncated")));
    json_object_put(stored);
    rbx_history_row_free(&run);
}
END_TEST

START_TEST(test_add_needs_id_and_status)
{
    rbx_run_input in = make_input("c", "int main(){}", 0);
    rbx_run_record rec = make_record("", "c", "success", 1, 1);
    char *answer = make_answer(&rec);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", &in, &rec, answer, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INTERNAL);
    snprintf(rec.id, sizeof(rec.id), "dup");
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", &in, &rec, answer, &err), 0);
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", &in, &rec, answer, &err), -1);
    free(answer);
}
END_TEST

START_TEST(test_list_is_newest_first_with_pages)
{
    char ids[5][40];
    for (int i = 0; i < 5; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, ids[i]);
    rbx_history_page *p = list("alice", (rbx_history_filter){.limit = 2});
    ck_assert_int_eq(p->total, 5);
    ck_assert_int_eq(p->limit, 2);
    ck_assert_uint_eq(items_of(p), 2);
    ck_assert_str_eq(item_id(p, 0), ids[4]);
    ck_assert_str_eq(item_id(p, 1), ids[3]);

    p = list("alice", (rbx_history_filter){.limit = 2, .offset = 4});
    ck_assert_int_eq(p->total, 5);
    ck_assert_int_eq(p->offset, 4);
    ck_assert_uint_eq(items_of(p), 1);
    ck_assert_str_eq(item_id(p, 0), ids[0]);
    ck_assert_str_eq(p->items[0].language, "c");
    ck_assert_ptr_null(p->items[0].code); /* a summary has no code */
    ck_assert_ptr_null(p->items[0].answer);

    p = list("alice", (rbx_history_filter){.offset = 10});
    ck_assert_int_eq(p->total, 5);
    ck_assert_uint_eq(items_of(p), 0);
}
END_TEST

START_TEST(test_default_and_bad_limits)
{
    for (int i = 0; i < 25; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, NULL);
    rbx_history_page *p = list("alice", (rbx_history_filter){0});
    ck_assert_uint_eq(items_of(p), RBX_HISTORY_DEFAULT_LIMIT);
    ck_assert_int_eq(p->total, 25);
    p = list("alice", (rbx_history_filter){.limit = 100});
    ck_assert_uint_eq(items_of(p), 25);

    rbx_error err;
    rbx_history_page out;
    rbx_history_filter bad = {.limit = 101};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
    ck_assert_str_eq(err.field, "limit");
    bad = (rbx_history_filter){.limit = -1};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    bad = (rbx_history_filter){.offset = -1};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    ck_assert_str_eq(err.field, "offset");
    ck_assert_ptr_null(out.items);
}
END_TEST

START_TEST(test_filters)
{
    add_run(fx.store, "alice", "python", "success", 1, 1, NULL);
    add_run(fx.store, "alice", "python", "runtime_error", 1, 1, NULL);
    add_run(fx.store, "alice", "c", "success", 2, 1, NULL);
    add_run(fx.store, "alice", "go", "time_limit", 0, 1, NULL);
    struct {
        rbx_history_filter filter;
        int total;
    } cases[] = {
        {{.has_project_id = true, .project_id = 1}, 2},
        {{.has_project_id = true, .project_id = 2}, 1},
        {{.has_project_id = true, .project_id = 3}, 0},
        {{.language = "python"}, 2},
        {{.language = "go"}, 1},
        {{.status = "success"}, 2},
        {{.language = "python", .status = "success"}, 1},
        {{.has_project_id = true, .project_id = 1, .language = "c"}, 0},
        {{0}, 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rbx_history_page *p = list("alice", cases[i].filter);
        ck_assert_msg(p->total == cases[i].total, "case %zu", i);
        ck_assert_uint_eq(items_of(p), (size_t)cases[i].total);
    }
}
END_TEST

START_TEST(test_users_are_isolated)
{
    char alice_id[40], bob_id[40];
    add_run(fx.store, "alice", "python", "success", 0, 1, alice_id);
    add_run(fx.store, "bob", "python", "success", 0, 1, bob_id);
    rbx_error err;
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "bob", alice_id, &run, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_str_eq(err.code, "not_found");
    ck_assert_ptr_null(run.answer);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "bob", alice_id, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    rbx_history_page *p = list("bob", (rbx_history_filter){0});
    ck_assert_int_eq(p->total, 1);
    ck_assert_str_eq(item_id(p, 0), bob_id);
    /* Alice's run survived bob's delete. */
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", alice_id, &run, &err), 0);
    rbx_history_row_free(&run);
}
END_TEST

START_TEST(test_delete)
{
    char id[40];
    add_run(fx.store, "alice", "python", "success", 0, 1, id);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", id, &err), 0);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", id, &run, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", id, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", "no-such-id", &err), -1);
    ck_assert_str_eq(err.code, "not_found");
}
END_TEST

static const rbx_stats_group *named(const rbx_stats_named_group *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i].group;
    return NULL;
}

START_TEST(test_stats)
{
    add_run(fx.store, "alice", "python", "success", 0, 10, NULL); /* wall = cpu + 10 */
    add_run(fx.store, "alice", "python", "runtime_error", 0, 20, NULL);
    add_run(fx.store, "alice", "c", "success", 0, 5, NULL);
    add_run(fx.store, "bob", "go", "success", 0, 1000, NULL);
    rbx_run_stats stats;
    rbx_error err;
    ck_assert_int_eq(rbx_store_stats(fx.store, "alice", &stats, &err), 0);
    ck_assert_int_eq(stats.total.runs, 3);
    ck_assert(stats.total.has_cpu && stats.total.has_wall);
    ck_assert_double_eq_tol(stats.total.mean_cpu_time_ms, 35.0 / 3, 1e-9);
    ck_assert_double_eq_tol(stats.total.mean_wall_time_ms, 65.0 / 3, 1e-9);
    /* by name, in the store's order */
    ck_assert_uint_eq(stats.n_language, 2);
    ck_assert_str_eq(stats.by_language[0].name, "c");
    ck_assert_str_eq(stats.by_language[1].name, "python");
    const rbx_stats_group *python = &stats.by_language[1].group;
    ck_assert_int_eq(python->runs, 2);
    ck_assert_double_eq_tol(python->mean_cpu_time_ms, 15.0, 1e-9);
    ck_assert_double_eq_tol(python->mean_wall_time_ms, 25.0, 1e-9);
    ck_assert_ptr_null(named(stats.by_language, stats.n_language, "go"));
    ck_assert_uint_eq(stats.n_status, 2);
    ck_assert_str_eq(stats.by_status[0].name, "runtime_error");
    ck_assert_int_eq(stats.by_status[0].group.runs, 1);
    ck_assert_int_eq(named(stats.by_status, stats.n_status, "success")->runs, 2);
    rbx_run_stats_free(&stats);
    ck_assert_ptr_null(stats.by_language);

    ck_assert_int_eq(rbx_store_stats(fx.store, "carol", &stats, &err), 0);
    ck_assert_int_eq(stats.total.runs, 0);
    ck_assert(!stats.total.has_cpu && !stats.total.has_wall);
    ck_assert_uint_eq(stats.n_language, 0);
    ck_assert_uint_eq(stats.n_status, 0);
    rbx_run_stats_free(&stats);
}
END_TEST

/* Runs without a time count, but give no mean: absent, not 0. */
START_TEST(test_stats_without_times)
{
    add_run(fx.store, "alice", "python", "success", 0, 10, NULL);
    add_run(fx.store, "alice", "c", "success", 0, 30, NULL);
    raw_sql(fx.path, "UPDATE history SET cpu_time_ms = NULL, wall_time_ms = NULL"
                     " WHERE language = 'c'");
    rbx_run_stats stats;
    rbx_error err;
    ck_assert_int_eq(rbx_store_stats(fx.store, "alice", &stats, &err), 0);
    ck_assert_int_eq(stats.total.runs, 2);
    ck_assert_double_eq_tol(stats.total.mean_cpu_time_ms, 10.0, 1e-9);
    const rbx_stats_group *c = named(stats.by_language, stats.n_language, "c");
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->runs, 1);
    ck_assert(!c->has_cpu && !c->has_wall);
    rbx_run_stats_free(&stats);
}
END_TEST

static int64_t total_of(const char *user)
{
    return list(user, (rbx_history_filter){0})->total;
}

START_TEST(test_prune_by_rows_keeps_newest)
{
    char ids[5][40];
    for (int i = 0; i < 5; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, ids[i]);
    add_run(fx.store, "bob", "c", "success", 0, 1, NULL);
    add_run(fx.store, "bob", "c", "success", 0, 1, NULL);
    int64_t removed = -1;
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 0, 3, &removed, &err), 0);
    ck_assert_int_eq(removed, 2);
    ck_assert_int_eq(total_of("alice"), 3);
    ck_assert_int_eq(total_of("bob"), 2);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", ids[1], &run, &err), -1);
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", ids[2], &run, &err), 0);
    rbx_history_row_free(&run);
}
END_TEST

START_TEST(test_prune_by_age)
{
    char old_id[40], new_id[40];
    add_run(fx.store, "alice", "c", "success", 0, 1, old_id);
    add_run(fx.store, "alice", "c", "success", 0, 1, new_id);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE history SET created_at = created_at - 10 * 86400 * 1000 WHERE id = '%s'",
             old_id);
    raw_sql(fx.path, sql);
    int64_t removed = -1;
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 0, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 0);
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 30, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 0);
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 7, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 1);
    rbx_history_page *p = list("alice", (rbx_history_filter){0});
    ck_assert_int_eq(p->total, 1);
    ck_assert_str_eq(item_id(p, 0), new_id);
    ck_assert_int_eq(rbx_store_history_prune(fx.store, -1, 0, &removed, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
}
END_TEST

static Suite *history_suite(bool postgres)
{
    Suite *s = suite_create(postgres ? "store_history (postgresql)" : "store_history");
    TCase *tc = tcase_create("history");
    fixture_backend(tc, postgres);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_get_returns_the_run_in_full);
    tcase_add_test(tc, test_the_record_keeps_the_request_id);
    tcase_add_test(tc, test_an_answer_over_the_cap_is_cut);
    tcase_add_test(tc, test_add_needs_id_and_status);
    tcase_add_test(tc, test_list_is_newest_first_with_pages);
    tcase_add_test(tc, test_default_and_bad_limits);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_users_are_isolated);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_stats_without_times);
    tcase_add_test(tc, test_prune_by_rows_keeps_newest);
    tcase_add_test(tc, test_prune_by_age);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return fixture_run(history_suite);
}
