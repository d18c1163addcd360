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

static void teardown(void)
{
    fixture_close(&fx);
}

static json_object *get_field(json_object *obj, const char *key)
{
    json_object *value = NULL;
    ck_assert_msg(json_object_object_get_ex(obj, key, &value), "no field %s", key);
    return value;
}

static const char *get_str(json_object *obj, const char *key)
{
    return json_object_get_string(get_field(obj, key));
}

static int64_t get_int(json_object *obj, const char *key)
{
    return json_object_get_int64(get_field(obj, key));
}

static json_object *list(const char *user, rbx_history_filter filter)
{
    json_object *page = NULL;
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_history_list(fx.store, user, &filter, &page, &err);
    ck_assert_msg(rc == 0, "list: %s", err.message);
    return page;
}

static size_t items_of(json_object *page)
{
    return json_object_array_length(get_field(page, "items"));
}

static const char *item_id(json_object *page, size_t i)
{
    return get_str(json_object_array_get_idx(get_field(page, "items"), i), "id");
}

START_TEST(test_get_returns_the_run_in_full)
{
    json_object *req = make_request("python", "print(input())", 7);
    json_object *files = json_object_new_array();
    json_object *file = json_object_new_object();
    json_object_object_add(file, "name", json_object_new_string("util.py"));
    json_object_object_add(file, "content", json_object_new_string("X = 1"));
    json_object_array_add(files, file);
    json_object_object_add(req, "files", files);
    json_object *res =
        make_response("11111111-2222-4333-8444-555555555555", "python", "wrong_answer", 14, 21);
    json_object *results = json_object_new_array();
    json_object_array_add(results, json_object_new_object());
    json_object_object_add(res, "results", results);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", req, res, &err), 0);

    json_object *run = NULL;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice",
                                           "11111111-2222-4333-8444-555555555555", &run, &err),
                     0);
    ck_assert_str_eq(get_str(run, "code"), "print(input())");
    ck_assert_str_eq(get_str(run, "stdin"), "in\n");
    ck_assert_str_eq(get_str(run, "output"), "out\n");
    ck_assert_str_eq(get_str(run, "status"), "wrong_answer");
    ck_assert_int_eq(get_int(run, "project_id"), 7);
    ck_assert_str_eq(get_str(run, "session_id"), "sess");
    ck_assert_int_eq(get_int(run, "cpu_time_ms"), 14);
    ck_assert_int_eq(get_int(run, "wall_time_ms"), 21);
    ck_assert_int_eq(get_int(run, "memory_kb"), 9000);
    ck_assert_uint_eq(json_object_array_length(get_field(run, "results")), 1);
    ck_assert_str_eq(get_str(json_object_array_get_idx(get_field(run, "files"), 0), "name"),
                     "util.py");
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(get_field(run, "args"), 0)),
                     "--fast");
    ck_assert_int_eq(get_int(get_field(run, "limits"), "memory_kb"), 65536);
    ck_assert_str_eq(get_str(get_field(run, "language"), "version"), "1.0");
    ck_assert_uint_eq(strlen(get_str(run, "created_at")), 20);
    ck_assert(!json_object_get_boolean(get_field(run, "base64_encoded")));
    json_object_put(run);
    json_object_put(req);
    json_object_put(res);
}
END_TEST

START_TEST(test_add_needs_id_and_status)
{
    json_object *req = make_request("c", "int main(){}", 0);
    json_object *res = make_response("x", "c", "success", 1, 1);
    json_object_object_del(res, "id");
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", req, res, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INTERNAL);
    json_object_object_add(res, "id", json_object_new_string("dup"));
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", req, res, &err), 0);
    ck_assert_int_eq(rbx_store_history_add(fx.store, "alice", req, res, &err), -1);
    json_object_put(req);
    json_object_put(res);
}
END_TEST

START_TEST(test_list_is_newest_first_with_pages)
{
    char ids[5][40];
    for (int i = 0; i < 5; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, ids[i]);
    json_object *page = list("alice", (rbx_history_filter){.limit = 2});
    ck_assert_int_eq(get_int(page, "total"), 5);
    ck_assert_int_eq(get_int(page, "limit"), 2);
    ck_assert_uint_eq(items_of(page), 2);
    ck_assert_str_eq(item_id(page, 0), ids[4]);
    ck_assert_str_eq(item_id(page, 1), ids[3]);
    json_object_put(page);

    page = list("alice", (rbx_history_filter){.limit = 2, .offset = 4});
    ck_assert_int_eq(get_int(page, "total"), 5);
    ck_assert_int_eq(get_int(page, "offset"), 4);
    ck_assert_uint_eq(items_of(page), 1);
    ck_assert_str_eq(item_id(page, 0), ids[0]);
    json_object *first = json_object_array_get_idx(get_field(page, "items"), 0);
    ck_assert_str_eq(get_str(get_field(first, "language"), "id"), "c");
    ck_assert_ptr_null(strstr(json_object_to_json_string(first), "int main"));
    json_object_put(page);

    page = list("alice", (rbx_history_filter){.offset = 10});
    ck_assert_int_eq(get_int(page, "total"), 5);
    ck_assert_uint_eq(items_of(page), 0);
    json_object_put(page);
}
END_TEST

START_TEST(test_default_and_bad_limits)
{
    for (int i = 0; i < 25; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, NULL);
    json_object *page = list("alice", (rbx_history_filter){0});
    ck_assert_uint_eq(items_of(page), RBX_HISTORY_DEFAULT_LIMIT);
    ck_assert_int_eq(get_int(page, "total"), 25);
    json_object_put(page);
    page = list("alice", (rbx_history_filter){.limit = 100});
    ck_assert_uint_eq(items_of(page), 25);
    json_object_put(page);

    rbx_error err;
    json_object *out = NULL;
    rbx_history_filter bad = {.limit = 101};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
    ck_assert_str_eq(err.field, "limit");
    bad = (rbx_history_filter){.limit = -1};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    bad = (rbx_history_filter){.offset = -1};
    ck_assert_int_eq(rbx_store_history_list(fx.store, "alice", &bad, &out, &err), -1);
    ck_assert_str_eq(err.field, "offset");
    ck_assert_ptr_null(out);
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
        json_object *page = list("alice", cases[i].filter);
        ck_assert_msg(get_int(page, "total") == cases[i].total, "case %zu", i);
        ck_assert_uint_eq(items_of(page), (size_t)cases[i].total);
        json_object_put(page);
    }
}
END_TEST

START_TEST(test_users_are_isolated)
{
    char alice_id[40], bob_id[40];
    add_run(fx.store, "alice", "python", "success", 0, 1, alice_id);
    add_run(fx.store, "bob", "python", "success", 0, 1, bob_id);
    rbx_error err;
    json_object *run = NULL;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "bob", alice_id, &run, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_str_eq(err.code, "not_found");
    ck_assert_ptr_null(run);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "bob", alice_id, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    json_object *page = list("bob", (rbx_history_filter){0});
    ck_assert_int_eq(get_int(page, "total"), 1);
    ck_assert_str_eq(item_id(page, 0), bob_id);
    json_object_put(page);
    /* Alice's run survived bob's delete. */
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", alice_id, &run, &err), 0);
    json_object_put(run);
}
END_TEST

START_TEST(test_delete)
{
    char id[40];
    add_run(fx.store, "alice", "python", "success", 0, 1, id);
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", id, &err), 0);
    json_object *run = NULL;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", id, &run, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", id, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_store_history_delete(fx.store, "alice", "no-such-id", &err), -1);
    ck_assert_str_eq(err.code, "not_found");
}
END_TEST

START_TEST(test_stats)
{
    add_run(fx.store, "alice", "python", "success", 0, 10, NULL); /* wall = cpu + 10 */
    add_run(fx.store, "alice", "python", "runtime_error", 0, 20, NULL);
    add_run(fx.store, "alice", "c", "success", 0, 5, NULL);
    add_run(fx.store, "bob", "go", "success", 0, 1000, NULL);
    json_object *stats = NULL;
    rbx_error err;
    ck_assert_int_eq(rbx_store_stats(fx.store, "alice", &stats, &err), 0);
    json_object *total = get_field(stats, "total");
    ck_assert_int_eq(get_int(total, "runs"), 3);
    ck_assert_double_eq_tol(json_object_get_double(get_field(total, "mean_cpu_time_ms")), 35.0 / 3,
                            0.06);
    json_object *python = get_field(get_field(stats, "by_language"), "python");
    ck_assert_int_eq(get_int(python, "runs"), 2);
    ck_assert_double_eq_tol(json_object_get_double(get_field(python, "mean_cpu_time_ms")), 15.0,
                            1e-9);
    ck_assert_double_eq_tol(json_object_get_double(get_field(python, "mean_wall_time_ms")), 25.0,
                            1e-9);
    ck_assert(!json_object_object_get_ex(get_field(stats, "by_language"), "go", NULL));
    json_object *success = get_field(get_field(stats, "by_status"), "success");
    ck_assert_int_eq(get_int(success, "runs"), 2);
    ck_assert_int_eq(get_int(get_field(get_field(stats, "by_status"), "runtime_error"), "runs"), 1);
    ck_assert_ptr_nonnull(strstr(json_object_to_json_string(total), "11.7"));
    json_object_put(stats);

    ck_assert_int_eq(rbx_store_stats(fx.store, "carol", &stats, &err), 0);
    total = get_field(stats, "total");
    ck_assert_int_eq(get_int(total, "runs"), 0);
    ck_assert_ptr_null(get_field(total, "mean_cpu_time_ms"));
    ck_assert_int_eq(json_object_object_length(get_field(stats, "by_language")), 0);
    json_object_put(stats);
}
END_TEST

static int64_t total_of(const char *user)
{
    json_object *page = list(user, (rbx_history_filter){0});
    int64_t total = get_int(page, "total");
    json_object_put(page);
    return total;
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
    json_object *run = NULL;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", ids[1], &run, &err), -1);
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", ids[2], &run, &err), 0);
    json_object_put(run);
}
END_TEST

START_TEST(test_prune_by_age)
{
    char old_id[40], new_id[40];
    add_run(fx.store, "alice", "c", "success", 0, 1, old_id);
    add_run(fx.store, "alice", "c", "success", 0, 1, new_id);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE history SET created_at = created_at - 10 * 86400 WHERE id = '%s'", old_id);
    raw_sql(fx.path, sql);
    int64_t removed = -1;
    rbx_error err;
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 0, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 0);
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 30, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 0);
    ck_assert_int_eq(rbx_store_history_prune(fx.store, 7, 0, &removed, &err), 0);
    ck_assert_int_eq(removed, 1);
    json_object *page = list("alice", (rbx_history_filter){0});
    ck_assert_int_eq(get_int(page, "total"), 1);
    ck_assert_str_eq(item_id(page, 0), new_id);
    json_object_put(page);
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
    tcase_add_test(tc, test_add_needs_id_and_status);
    tcase_add_test(tc, test_list_is_newest_first_with_pages);
    tcase_add_test(tc, test_default_and_bad_limits);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_users_are_isolated);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_prune_by_rows_keeps_newest);
    tcase_add_test(tc, test_prune_by_age);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return fixture_run(history_suite);
}
