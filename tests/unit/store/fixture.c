#include "tests/unit/store/fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uuid/uuid.h>

extern char **environ;

/* The PostgreSQL server of this test binary: its directory and URL. */
static char pg_dir[64];
static char pg_url[512];
static pid_t pg_starter; /* forked test processes must not stop the server at their exit */

#define PG_ENV "RBX_TEST_PG_URL"

static bool is_url(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0;
}

bool fixture_postgres(void)
{
    const char *url = getenv(PG_ENV);
    return url && *url;
}

/* Unchecked fixtures run in the runner process before a case's tests fork. */
static void use_postgres(void)
{
    setenv(PG_ENV, pg_url, 1);
}

static void use_sqlite(void)
{
    unsetenv(PG_ENV);
}

void fixture_backend(TCase *tc, bool postgres)
{
    tcase_add_unchecked_fixture(tc, postgres ? use_postgres : use_sqlite, NULL);
}

/* tests/lib/pg-server COMMAND pg_dir: its exit status (77: no server binaries). */
static int pg_server(const char *command)
{
    const char *src = getenv("RUNBOX_SRCDIR");
    char script[512];
    snprintf(script, sizeof(script), "%s/tests/lib/pg-server", src && *src ? src : ".");
    char *argv[] = {script, (char *)command, pg_dir, NULL};
    posix_spawn_file_actions_t quiet; /* the URL it prints is read from its file */
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, script, &quiet, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (rc != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void stop_pg(void)
{
    if (getpid() != pg_starter)
        return;
    pg_server("stop");
    char rm[128];
    snprintf(rm, sizeof(rm), "rm -rf %s", pg_dir); /* our own mkdtemp name, no user input */
    if (system(rm) != 0)
        fprintf(stderr, "fixture: could not remove %s\n", pg_dir);
}

/* 1 started, 0 no server binaries (skip), -1 failed. */
static int start_pg(void)
{
    snprintf(pg_dir, sizeof(pg_dir), "/tmp/rbx-pgunit-XXXXXX");
    if (!mkdtemp(pg_dir))
        return -1;
    pg_starter = getpid();
    int rc = pg_server("start");
    if (rc != 0) {
        stop_pg();
        return rc == 77 ? 0 : -1;
    }
    atexit(stop_pg);
    char path[128];
    snprintf(path, sizeof(path), "%s/url", pg_dir);
    FILE *f = fopen(path, "re");
    if (!f || !fgets(pg_url, sizeof(pg_url), f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    pg_url[strcspn(pg_url, "\n")] = '\0';
    return 1;
}

int fixture_run(Suite *(*make_suite)(bool postgres))
{
    SRunner *sr = srunner_create(make_suite(false));
    int pg = start_pg();
    if (pg < 0) {
        fprintf(stderr, "fixture: the PostgreSQL server did not start (see %s)\n", pg_dir);
        return EXIT_FAILURE;
    }
    if (pg == 1)
        srunner_add_suite(sr, make_suite(true));
    else
        printf("SKIP: the PostgreSQL half: no PostgreSQL server binaries here\n");
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void pg_exec_ok(const char *url, const char *sql)
{
    PGconn *conn = PQconnectdb(url);
    ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(conn);
}

void fixture_location(fixture *fx)
{
    fx->dir[0] = fx->schema[0] = '\0';
    const char *base = getenv(PG_ENV);
    if (base && *base) {
        static int counter;
        snprintf(fx->schema, sizeof(fx->schema), "t_%d_%d", (int)getpid(), ++counter);
        char sql[96];
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", fx->schema);
        pg_exec_ok(base, sql);
        snprintf(fx->path, sizeof(fx->path), "%s%coptions=-csearch_path%%3D%s", base,
                 strchr(base, '?') ? '&' : '?', fx->schema);
        return;
    }
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/rbx-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/runbox.db", fx->dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void fixture_remove(fixture *fx)
{
    if (fx->schema[0]) {
        char sql[96];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", fx->schema);
        pg_exec_ok(getenv(PG_ENV), sql);
        return;
    }
    ck_assert_int_eq(nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

void fixture_open(fixture *fx)
{
    fixture_location(fx);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_open(fx->path, &fx->store, &err);
    ck_assert_msg(rc == 0, "open: %s", err.message);
}

void fixture_close(fixture *fx)
{
    rbx_store_close(fx->store);
    fx->store = NULL;
    fixture_remove(fx);
}

rbx_run_input make_input(const char *language, const char *code, int64_t project_id)
{
    static char code_copy[256];
    snprintf(code_copy, sizeof(code_copy), "%s", code);
    return (rbx_run_input){.language = language,
                           .has_project_id = project_id > 0,
                           .project_id = project_id,
                           .session_id = "sess",
                           .code = code_copy,
                           .stdin_text = "in\n",
                           .args_json = "[\"--fast\"]",
                           .limits_json = "{\"memory_kb\":65536}",
                           .save_history = true};
}

rbx_run_record make_record(const char *id, const char *language, const char *status, int cpu_ms,
                           int wall_ms)
{
    rbx_run_record rec = {
        .has_exit_code = true, .cpu_time_ms = cpu_ms, .wall_time_ms = wall_ms, .memory_kb = 9000};
    snprintf(rec.id, sizeof(rec.id), "%s", id);
    snprintf(rec.language, sizeof(rec.language), "%s", language);
    snprintf(rec.language_version, sizeof(rec.language_version), "1.0");
    snprintf(rec.status, sizeof(rec.status), "%s", status);
    return rec;
}

char *make_answer(const rbx_run_record *rec)
{
    json_object *res = json_object_new_object();
    json_object_object_add(res, "id", json_object_new_string(rec->id));
    json_object_object_add(res, "status", json_object_new_string(rec->status));
    json_object_object_add(res, "output", json_object_new_string("out\n"));
    json_object_object_add(res, "error", NULL);
    json_object_object_add(res, "exit_code", json_object_new_int(rec->exit_code));
    json_object_object_add(res, "cpu_time_ms", json_object_new_int64(rec->cpu_time_ms));
    json_object_object_add(res, "wall_time_ms", json_object_new_int64(rec->wall_time_ms));
    json_object_object_add(res, "memory_kb", json_object_new_int64(rec->memory_kb));
    json_object_object_add(res, "results", NULL);
    json_object *lang = json_object_new_object();
    json_object_object_add(lang, "id", json_object_new_string(rec->language));
    json_object_object_add(lang, "version", json_object_new_string(rec->language_version));
    json_object_object_add(res, "language", lang);
    char *text = strdup(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
    json_object_put(res);
    ck_assert_ptr_nonnull(text);
    return text;
}

void add_run(rbx_store *store, const char *user, const char *language, const char *status,
             int64_t project_id, int cpu_ms, char *id_out)
{
    uuid_t uuid;
    char id[40];
    uuid_generate_random(uuid);
    uuid_unparse_lower(uuid, id);
    rbx_run_input in = make_input(language, "print(1)", project_id);
    rbx_run_record rec = make_record(id, language, status, cpu_ms, cpu_ms + 10);
    char *answer = make_answer(&rec);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_history_add(store, user, &in, &rec, answer, &err);
    ck_assert_msg(rc == 0, "history_add: %s", err.message);
    free(answer);
    if (id_out)
        memcpy(id_out, id, sizeof(id));
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

void raw_sql(const char *path, const char *sql)
{
    if (is_url(path)) {
        pg_exec_ok(path, sql);
        return;
    }
    sqlite3 *db = raw_open(path);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
}

static long long pg_int(const char *url, const char *sql)
{
    PGconn *conn = PQconnectdb(url);
    ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
    PGresult *res = PQexec(conn, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
                  PQresultErrorMessage(res));
    long long value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(conn);
    return value;
}

long long raw_int(const char *path, const char *sql)
{
    if (is_url(path))
        return pg_int(path, sql);
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *stmt;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    long long value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}
