/* Unit tests for opening the store: migrations, reopening, file mode, and
 * many processes writing at once, connections of one process and another. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/store/fixture.h"

START_TEST(test_migrates_empty_database)
{
    fixture fx;
    fixture_open(&fx);
    int version = -1;
    rbx_error err;
    ck_assert_int_eq(rbx_store_schema_version(fx.store, &version, &err), 0);
    ck_assert_int_ge(rbx_store_schema_latest(), 1);
    ck_assert_int_eq(version, rbx_store_schema_latest());
    if (fixture_postgres()) {
        ck_assert_int_eq(raw_int(fx.path, "SELECT version FROM runbox_schema"),
                         rbx_store_schema_latest());
        ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM pg_tables WHERE tablename IN"
                                          " ('api_keys', 'history', 'jobs')"
                                          " AND schemaname = current_schema()"),
                         3);
        fixture_close(&fx);
        return;
    }
    ck_assert_int_eq(raw_int(fx.path, "PRAGMA user_version"), rbx_store_schema_latest());
    ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                      " AND name IN ('api_keys', 'history')"),
                     2);
    ck_assert_int_eq(
        raw_int(fx.path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
    fixture_close(&fx);
}
END_TEST

START_TEST(test_reopen_is_idempotent_and_keeps_data)
{
    fixture fx;
    fixture_open(&fx);
    char id[40];
    add_run(fx.store, "alice", "python", "success", 0, 5, id);
    rbx_store_close(fx.store);

    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &fx.store, &err), 0);
    int version = -1;
    ck_assert_int_eq(rbx_store_schema_version(fx.store, &version, &err), 0);
    ck_assert_int_eq(version, rbx_store_schema_latest());
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", id, &run, &err), 0);
    rbx_history_row_free(&run);
    fixture_close(&fx);
}
END_TEST

/* Schema version 2 kept history times in unix seconds and a run's request
 * id inside its stored answer: a store left at that version, with such a
 * row, is brought to milliseconds and a request_id column on open. */
static void make_version_2_store(fixture *fx)
{
    fixture_open(fx);
    rbx_store_close(fx->store);
    fx->store = NULL;
    raw_sql(fx->path, "ALTER TABLE history DROP COLUMN request_id");
    raw_sql(fx->path, "ALTER TABLE jobs DROP COLUMN request_id");
    raw_sql(fx->path, fixture_postgres() ? "UPDATE runbox_schema SET version = 2"
                                         : "PRAGMA user_version = 2");
    raw_sql(fx->path, "INSERT INTO history (id, \"user\", language, response, status, created_at)"
                      " VALUES ('old-run', 'alice', 'python', '{\"id\": \"old-run\", \"status\":"
                      " \"success\", \"request_id\": \"0123456789abcdef0123456789abcdef\"}',"
                      " 'success', 1764633600)");
}

START_TEST(test_migrates_version_2_times_to_milliseconds)
{
    fixture fx;
    make_version_2_store(&fx);
    rbx_error err;
    ck_assert_msg(rbx_store_open(fx.path, &fx.store, &err) == 0, "%s", err.message);
    int version = -1;
    ck_assert_int_eq(rbx_store_schema_version(fx.store, &version, &err), 0);
    ck_assert_int_eq(version, rbx_store_schema_latest());
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(fx.store, "alice", "old-run", &run, &err), 0);
    ck_assert_int_eq(run.created_at_ms, 1764633600000LL);
    ck_assert_str_eq(run.request_id, "0123456789abcdef0123456789abcdef");
    rbx_history_row_free(&run);
    /* The new row and the migrated one are in one order: newest first. */
    add_run(fx.store, "alice", "c", "success", 0, 1, NULL);
    rbx_history_page page;
    ck_assert_int_eq(
        rbx_store_history_list(fx.store, "alice", &(rbx_history_filter){0}, &page, &err), 0);
    ck_assert_uint_eq(page.n, 2);
    ck_assert_str_eq(page.items[1].id, "old-run");
    rbx_history_page_free(&page);
    fixture_close(&fx);
}
END_TEST

START_TEST(test_refuses_newer_schema)
{
    fixture fx;
    fixture_open(&fx);
    rbx_store_close(fx.store);
    raw_sql(fx.path, fixture_postgres() ? "UPDATE runbox_schema SET version = 999"
                                        : "PRAGMA user_version = 999");
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &fx.store, &err), -1);
    ck_assert_ptr_null(fx.store);
    ck_assert_ptr_nonnull(strstr(err.message, "newer"));
    fixture_close(&fx);
}
END_TEST

START_TEST(test_database_is_private)
{
    if (fixture_postgres())
        return; /* the server's own files; a file mode applies to SQLite only */
    fixture fx;
    fixture_open(&fx);
    struct stat st;
    ck_assert_int_eq(stat(fx.path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    fixture_close(&fx);
}
END_TEST

START_TEST(test_missing_directory_is_an_error)
{
    rbx_store *store = NULL;
    rbx_error err;
    ck_assert_int_eq(rbx_store_open("/nonexistent-rbx/runbox.db", &store, &err), -1);
    ck_assert_ptr_null(store);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot open"));
    ck_assert_ptr_nonnull(strstr(err.message, "No such file"));
}
END_TEST

#define WRITERS 8
#define ROWS_PER_WRITER 50

/* Each child opens its own connection (and races the others through the
 * migration of a database nobody has opened yet), then adds its rows. */
static void writer(const char *path, int n)
{
    rbx_store *store;
    rbx_error err;
    if (rbx_store_open(path, &store, &err) < 0) {
        fprintf(stderr, "writer %d: %s\n", n, err.message);
        _exit(2);
    }
    char user[16];
    snprintf(user, sizeof(user), "user%d", n);
    for (int i = 0; i < ROWS_PER_WRITER; i++)
        add_run(store, user, "c", "success", n, i, NULL);
    rbx_store_close(store);
    _exit(0);
}

START_TEST(test_concurrent_writers_all_land)
{
    fixture fx;
    fixture_location(&fx);
    pid_t pids[WRITERS];
    for (int n = 0; n < WRITERS; n++) {
        pids[n] = fork();
        ck_assert_int_ge(pids[n], 0);
        if (pids[n] == 0)
            writer(fx.path, n);
    }
    for (int n = 0; n < WRITERS; n++) {
        int status;
        ck_assert_int_eq(waitpid(pids[n], &status, 0), pids[n]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", n);
    }
    ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM history"), WRITERS * ROWS_PER_WRITER);
    ck_assert_int_eq(raw_int(fx.path, "SELECT count(DISTINCT \"user\") FROM history"), WRITERS);
    fixture_remove(&fx);
}
END_TEST

/* The other process of test_second_connection_keeps_the_lock: forked before
 * the parent opens anything (a connection must not cross a fork), it waits
 * for the go, adds a run with its own connection, closes it and sends the
 * run's id back. */
static void other_process(const char *path, int go, int done)
{
    char byte, id[40];
    rbx_store *store;
    rbx_error err;
    if (read(go, &byte, 1) != 1 || rbx_store_open(path, &store, &err) < 0)
        _exit(2);
    add_run(store, "bob", "c", "success", 0, 1, id);
    rbx_store_close(store);
    _exit(write(done, id, sizeof(id)) == (ssize_t)sizeof(id) ? 0 : 3);
}

/* Two connections in one process (the worker and its delivery thread) and a
 * third in another that closes: the process's lock on the database must
 * survive the second open, or that close deletes the WAL under the first
 * connection, which then never sees another process's writes. */
START_TEST(test_second_connection_keeps_the_lock)
{
    if (fixture_postgres())
        return; /* SQLite's WAL and its file locks */
    fixture fx;
    fixture_location(&fx);
    int go[2], done[2];
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(done), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        other_process(fx.path, go[0], done[1]);
    rbx_store *second;
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &fx.store, &err), 0);
    ck_assert_int_eq(rbx_store_open(fx.path, &second, &err), 0);
    ck_assert_int_eq(write(go[1], "g", 1), 1);
    char id[40];
    ck_assert_int_eq(read(done[0], id, sizeof(id)), (ssize_t)sizeof(id));
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char wal[sizeof(fx.path) + 8];
    snprintf(wal, sizeof(wal), "%s-wal", fx.path);
    ck_assert_msg(access(wal, F_OK) == 0, "the other process's close deleted the open WAL");
    rbx_history_row run;
    ck_assert_msg(rbx_store_history_get(fx.store, "bob", id, &run, &err) == 0,
                  "the other process's run is not seen: %s", err.message);
    rbx_history_row_free(&run);
    rbx_store_close(second);
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(done[i]);
    }
    fixture_close(&fx);
}
END_TEST

static Suite *open_suite(bool postgres)
{
    Suite *s = suite_create(postgres ? "store_open (postgresql)" : "store_open");
    TCase *tc = tcase_create("open");
    fixture_backend(tc, postgres);
    tcase_add_test(tc, test_migrates_empty_database);
    tcase_add_test(tc, test_reopen_is_idempotent_and_keeps_data);
    tcase_add_test(tc, test_migrates_version_2_times_to_milliseconds);
    tcase_add_test(tc, test_refuses_newer_schema);
    tcase_add_test(tc, test_database_is_private);
    tcase_add_test(tc, test_missing_directory_is_an_error);
    tcase_add_test(tc, test_concurrent_writers_all_land);
    tcase_add_test(tc, test_second_connection_keeps_the_lock);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return fixture_run(open_suite);
}
