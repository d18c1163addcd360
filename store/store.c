/* Opening the store and the helpers every store file shares. */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Long enough for every pool process to queue behind one writer: a write
 * transaction here lasts well under a millisecond. */
#define RBX_STORE_BUSY_TIMEOUT_MS 5000

int rbx_store_sql_error(rbx_store *store, rbx_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(store->db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        rbx_error_set(err, 503, "overloaded", NULL, "store busy while %s: %s", what,
                      sqlite3_errmsg(store->db));
        if (err)
            err->retry_after = 1;
        return -1;
    }
    return rbx_error_internal(err, "store: %s: %s", what, sqlite3_errmsg(store->db));
}

int rbx_store_prepare(rbx_store *store, const char *sql, sqlite3_stmt **stmt, rbx_error *err)
{
    if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return rbx_store_sql_error(store, err, "preparing a statement");
    return 0;
}

int rbx_store_exec(rbx_store *store, const char *sql, rbx_error *err)
{
    if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return rbx_store_sql_error(store, err, sql);
    return 0;
}

int rbx_store_begin_write(rbx_store *store, rbx_error *err)
{
    return rbx_store_exec(store, "BEGIN IMMEDIATE", err);
}

int rbx_store_commit(rbx_store *store, rbx_error *err)
{
    if (rbx_store_exec(store, "COMMIT", err) < 0) {
        rbx_store_rollback(store);
        return -1;
    }
    return 0;
}

void rbx_store_rollback(rbx_store *store)
{
    /* Fails harmlessly when SQLite already rolled back on its own. */
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int rbx_store_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    if (!text)
        return sqlite3_bind_null(stmt, index);
    return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

int rbx_store_get_user_row(rbx_store *store, const char *sql, const char *id, const char *user,
                           json_object *(*to_json)(sqlite3_stmt *), json_object **out,
                           const char *what, rbx_error *err)
{
    *out = NULL;
    sqlite3_stmt *stmt;
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, user);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = to_json(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rbx_store_sql_error(store, err, what);
    return rc == SQLITE_ROW;
}

json_object *rbx_store_column_json_int(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NULL;
    return json_object_new_int64(sqlite3_column_int64(stmt, col));
}

json_object *rbx_store_column_json_text(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NULL;
    return json_object_new_string((const char *)sqlite3_column_text(stmt, col));
}

json_object *rbx_store_json_time(int64_t unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    char text[32];
    if (!gmtime_r(&t, &tm) || strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return NULL;
    return json_object_new_string(text);
}

/* The database holds signing secrets: create it readable by its owner only.
 * SQLite gives the -wal and -shm files the database file's mode. */
static int create_private_file(const char *path, rbx_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open the database file");
    if (close(fd) < 0)
        return rbx_error_errno(err, "cannot close the database file");
    return 0;
}

/* Switching a new database to WAL needs an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once, without the busy handler, while another process opens
 * the same new database: so wait here, up to the busy timeout. */
static int enable_wal(rbx_store *store, rbx_error *err)
{
    const struct timespec pause = {0, 10 * 1000 * 1000};
    for (int waited_ms = 0;; waited_ms += 10) {
        int rc = sqlite3_exec(store->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= RBX_STORE_BUSY_TIMEOUT_MS)
            return rbx_store_sql_error(store, err, "switching to WAL mode");
        nanosleep(&pause, NULL);
    }
}

static int configure_connection(rbx_store *store, rbx_error *err)
{
    if (sqlite3_busy_timeout(store->db, RBX_STORE_BUSY_TIMEOUT_MS) != SQLITE_OK)
        return rbx_store_sql_error(store, err, "setting the busy timeout");
    if (enable_wal(store, err) < 0 ||
        rbx_store_exec(store, "PRAGMA synchronous = NORMAL", err) < 0 ||
        rbx_store_exec(store, "PRAGMA foreign_keys = ON", err) < 0)
        return -1;
    return 0;
}

int rbx_store_open(const char *path, rbx_store **out, rbx_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return rbx_error_internal(err, "store: no database path");
    if (create_private_file(path, err) < 0)
        return -1;
    rbx_store *store = calloc(1, sizeof(*store));
    if (!store)
        return rbx_error_errno(err, "store: out of memory");
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK) {
        rbx_error_internal(err, "cannot open the database: %s",
                           store->db ? sqlite3_errmsg(store->db) : "out of memory");
        rbx_store_close(store);
        return -1;
    }
    sqlite3_extended_result_codes(store->db, 1);
    if (configure_connection(store, err) < 0 || rbx_store_migrate(store, err) < 0) {
        rbx_store_close(store);
        return -1;
    }
    *out = store;
    return 0;
}

void rbx_store_close(rbx_store *store)
{
    if (!store)
        return;
    sqlite3_close(store->db);
    free(store);
}
