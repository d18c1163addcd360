#include "tests/unit/store/fixture.h"

#include <check.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

void fixture_open(fixture *fx)
{
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/rbx-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/runbox.db", fx->dir);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_open(fx->path, &fx->store, &err);
    ck_assert_msg(rc == 0, "open: %s", err.message);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void fixture_close(fixture *fx)
{
    rbx_store_close(fx->store);
    fx->store = NULL;
    ck_assert_int_eq(nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

json_object *make_request(const char *language, const char *code, int64_t project_id)
{
    json_object *req = json_object_new_object();
    json_object_object_add(req, "language", json_object_new_string(language));
    json_object_object_add(req, "code", json_object_new_string(code));
    json_object_object_add(req, "stdin", json_object_new_string("in\n"));
    json_object *args = json_object_new_array();
    json_object_array_add(args, json_object_new_string("--fast"));
    json_object_object_add(req, "args", args);
    json_object *limits = json_object_new_object();
    json_object_object_add(limits, "memory_kb", json_object_new_int(65536));
    json_object_object_add(req, "limits", limits);
    if (project_id > 0)
        json_object_object_add(req, "project_id", json_object_new_int64(project_id));
    json_object_object_add(req, "session_id", json_object_new_string("sess"));
    return req;
}

json_object *make_response(const char *id, const char *language, const char *status, int cpu_ms,
                           int wall_ms)
{
    json_object *res = json_object_new_object();
    json_object_object_add(res, "id", json_object_new_string(id));
    json_object_object_add(res, "status", json_object_new_string(status));
    json_object_object_add(res, "output", json_object_new_string("out\n"));
    json_object_object_add(res, "error", NULL);
    json_object_object_add(res, "exit_code", json_object_new_int(0));
    json_object_object_add(res, "cpu_time_ms", json_object_new_int(cpu_ms));
    json_object_object_add(res, "wall_time_ms", json_object_new_int(wall_ms));
    json_object_object_add(res, "memory_kb", json_object_new_int(9000));
    json_object_object_add(res, "results", NULL);
    json_object *lang = json_object_new_object();
    json_object_object_add(lang, "id", json_object_new_string(language));
    json_object_object_add(lang, "version", json_object_new_string("1.0"));
    json_object_object_add(res, "language", lang);
    return res;
}

void add_run(rbx_store *store, const char *user, const char *language, const char *status,
             int64_t project_id, int cpu_ms, char *id_out)
{
    uuid_t uuid;
    char id[40];
    uuid_generate_random(uuid);
    uuid_unparse_lower(uuid, id);
    json_object *req = make_request(language, "print(1)", project_id);
    json_object *res = make_response(id, language, status, cpu_ms, cpu_ms + 10);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_history_add(store, user, req, res, &err);
    ck_assert_msg(rc == 0, "history_add: %s", err.message);
    json_object_put(req);
    json_object_put(res);
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
    sqlite3 *db = raw_open(path);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
}

long long raw_int(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *stmt;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    long long value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}
