/* The SQLite backend: one database file (WAL) under the state dir. Every
 * process opens its own connection; writers wait on a busy timeout rather
 * than fail. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"

/* Long enough for every pool process to queue behind one writer: a write
 * transaction here lasts well under a millisecond. */
#define RBX_STORE_BUSY_TIMEOUT_MS 5000

typedef struct sqlite_stmt {
    rbx_stmt base;
    sqlite3_stmt *stmt;
} sqlite_stmt;

static sqlite3 *db_of(rbx_store *store)
{
    return store->conn;
}

static sqlite3_stmt *raw(rbx_stmt *stmt)
{
    return ((sqlite_stmt *)stmt)->stmt;
}

static int sqlite_error(rbx_store *store, rbx_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(db_of(store)) & 0xff;
    if (code == SQLITE_FULL)
        return rbx_error_storage_full(err, what);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL, "store busy while %s: %s", what,
                        sqlite3_errmsg(db_of(store)));
        if (err)
            err->retry_after = 1;
        return -1;
    }
    return rbx_error_internal(err, "store: %s: %s", what, sqlite3_errmsg(db_of(store)));
}

static int sqlite_exec(rbx_store *store, const char *sql, rbx_error *err)
{
    if (sqlite3_exec(db_of(store), sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlite_error(store, err, sql);
    return 0;
}

static int sqlite_begin_write(rbx_store *store, rbx_error *err)
{
    return sqlite_exec(store, "BEGIN IMMEDIATE", err);
}

static int sqlite_begin_read(rbx_store *store, rbx_error *err)
{
    return sqlite_exec(store, "BEGIN", err);
}

static int sqlite_prepare(rbx_store *store, const char *sql, rbx_stmt **out, rbx_error *err)
{
    *out = NULL;
    sqlite_stmt *stmt = calloc(1, sizeof(*stmt));
    if (!stmt)
        return rbx_error_errno(err, "store: out of memory");
    stmt->base.store = store;
    if (sqlite3_prepare_v2(db_of(store), sql, -1, &stmt->stmt, NULL) != SQLITE_OK) {
        free(stmt);
        return sqlite_error(store, err, "preparing a statement");
    }
    *out = &stmt->base;
    return 0;
}

static void sqlite_bind_int64(rbx_stmt *stmt, int index, int64_t value)
{
    sqlite3_bind_int64(raw(stmt), index, value);
}

static void sqlite_bind_text(rbx_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(raw(stmt), index, text, -1, SQLITE_TRANSIENT);
}

static void sqlite_bind_null(rbx_stmt *stmt, int index)
{
    sqlite3_bind_null(raw(stmt), index);
}

static int sqlite_step(rbx_stmt *stmt)
{
    int rc = sqlite3_step(raw(stmt));
    if (rc == SQLITE_ROW)
        return RBX_STEP_ROW;
    return rc == SQLITE_DONE ? RBX_STEP_DONE : RBX_STEP_ERROR;
}

static bool sqlite_column_null(rbx_stmt *stmt, int col)
{
    return sqlite3_column_type(raw(stmt), col) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(rbx_stmt *stmt, int col)
{
    return sqlite3_column_int64(raw(stmt), col);
}

static double sqlite_column_double(rbx_stmt *stmt, int col)
{
    return sqlite3_column_double(raw(stmt), col);
}

static const char *sqlite_column_text(rbx_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(raw(stmt), col);
}

static void sqlite_finalize(rbx_stmt *stmt)
{
    sqlite3_finalize(raw(stmt));
    free(stmt);
}

static int64_t sqlite_changes(rbx_store *store)
{
    return sqlite3_changes(db_of(store));
}

static int sqlite_schema_version(rbx_store *store, int *version, rbx_error *err)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db_of(store), "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return sqlite_error(store, err, "reading the schema version");
    int rc = sqlite3_step(stmt);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW)
        return sqlite_error(store, err, "reading the schema version");
    return 0;
}

static int sqlite_set_schema_version(rbx_store *store, int version, rbx_error *err)
{
    /* PRAGMA takes no bound parameters; the value is our own integer. */
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
    return sqlite_exec(store, sql, err);
}

/* The database holds signing secrets: create it readable by its owner only.
 * SQLite gives the -wal and -shm files the database file's mode.
 *
 * Only a file that does not exist yet is opened here (O_EXCL). Closing any
 * descriptor of a file drops every POSIX lock the process holds on it, and
 * SQLite's connections in WAL mode rely on a shared lock on the database file
 * that it takes once per process: a second connection in the same process
 * (the worker's delivery thread) that opened and closed the file here took
 * that lock away from the first, so the next process to close its connection
 * found itself alone, checkpointed and deleted the -wal and -shm files, and
 * this process's connections read a deleted WAL index from then on and never
 * saw another process's writes again (the worker never saw a queued job). */
static int create_private_file(const char *path, rbx_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0; /* SQLite's own open checks it (SQLITE_OPEN_NOFOLLOW) */
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
        int rc = sqlite3_exec(db_of(store), "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= RBX_STORE_BUSY_TIMEOUT_MS)
            return sqlite_error(store, err, "switching to WAL mode");
        nanosleep(&pause, NULL);
    }
}

static int configure_connection(rbx_store *store, rbx_error *err)
{
    if (sqlite3_busy_timeout(db_of(store), RBX_STORE_BUSY_TIMEOUT_MS) != SQLITE_OK)
        return sqlite_error(store, err, "setting the busy timeout");
    if (enable_wal(store, err) < 0 || sqlite_exec(store, "PRAGMA synchronous = NORMAL", err) < 0 ||
        sqlite_exec(store, "PRAGMA foreign_keys = ON", err) < 0)
        return -1;
    return 0;
}

static void sqlite_close(rbx_store *store)
{
    sqlite3_close(db_of(store));
    store->conn = NULL;
}

static int sqlite_open(rbx_store *store, const char *path, rbx_error *err)
{
    if (create_private_file(path, err) < 0)
        return -1;
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        rbx_error_internal(err, "cannot open the database: %s",
                           db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    store->conn = db;
    sqlite3_extended_result_codes(db, 1);
    if (configure_connection(store, err) < 0) {
        sqlite_close(store);
        return -1;
    }
    return 0;
}

const rbx_db_backend rbx_db_sqlite = {
    .dialect = RBX_DIALECT_SQLITE,
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .begin_write = sqlite_begin_write,
    .begin_rows = sqlite_begin_write,
    .begin_read = sqlite_begin_read,
    .sql_error = sqlite_error,
    .prepare = sqlite_prepare,
    .bind_int64 = sqlite_bind_int64,
    .bind_text = sqlite_bind_text,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .column_null = sqlite_column_null,
    .column_int64 = sqlite_column_int64,
    .column_double = sqlite_column_double,
    .column_text = sqlite_column_text,
    .finalize = sqlite_finalize,
    .changes = sqlite_changes,
    .schema_version = sqlite_schema_version,
    .set_schema_version = sqlite_set_schema_version,
};
