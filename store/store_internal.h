/* Shared by the store's own files only: the connection, the statement calls
 * every store file runs its SQL through (store/db.h has the backends), and the
 * helpers that turn database failures into rbx_error. Nothing outside store/
 * includes it. */
#ifndef RBX_STORE_INTERNAL_H
#define RBX_STORE_INTERNAL_H

#include "store/db.h"
#include "store/store.h"

struct rbx_store {
    const rbx_db_backend *backend;
    void *conn;               /* the backend's connection */
    size_t history_max_bytes; /* a record's stored answer; 0 = no cap */
};

/* Which SQL dialect the store speaks, for the few statements that differ. */
rbx_dialect rbx_store_dialect(const rbx_store *store);

/* Fill err from the connection's last failure: 503 when the database stayed
 * locked past the busy timeout (another writer held it) or cannot be reached,
 * else 500. */
int rbx_store_sql_error(rbx_store *store, rbx_error *err, const char *what);

/* Prepare one statement; on failure fills err and returns -1. */
int rbx_store_prepare(rbx_store *store, const char *sql, rbx_stmt **stmt, rbx_error *err);

/* Run one or more statements without results (schema, BEGIN/COMMIT). */
int rbx_store_exec(rbx_store *store, const char *sql, rbx_error *err);

/* A write transaction that excludes every other writer: on SQLite BEGIN
 * IMMEDIATE (the write lock up front, so a transaction never has to upgrade a
 * read snapshot, which fails with SQLITE_BUSY_SNAPSHOT instead of waiting in
 * WAL mode); on PostgreSQL a transaction holding the store's advisory lock.
 * For invariants over the whole store (the queue limit, migrations). */
int rbx_store_begin_write(rbx_store *store, rbx_error *err);
/* A write transaction that locks only the rows it changes (a plain BEGIN on
 * PostgreSQL, BEGIN IMMEDIATE on SQLite): for claims and finishes, which
 * other hosts run at the same time. */
int rbx_store_begin_rows(rbx_store *store, rbx_error *err);
/* A read transaction: every query in it sees the same snapshot. */
int rbx_store_begin_read(rbx_store *store, rbx_error *err);
int rbx_store_commit(rbx_store *store, rbx_error *err);
void rbx_store_rollback(rbx_store *store);

/* Statements: bind (1-based indexes), step (RBX_STEP_ROW, _DONE, _ERROR),
 * read columns (0-based) of the current row, finalize. */
void rbx_stmt_bind_int64(rbx_stmt *stmt, int index, int64_t value);
void rbx_stmt_bind_null(rbx_stmt *stmt, int index);
int rbx_stmt_step(rbx_stmt *stmt);
bool rbx_stmt_column_null(rbx_stmt *stmt, int col);
int64_t rbx_stmt_column_int64(rbx_stmt *stmt, int col);
int rbx_stmt_column_int(rbx_stmt *stmt, int col);
double rbx_stmt_column_double(rbx_stmt *stmt, int col);
/* NULL for SQL NULL; valid until the next step or finalize. */
const char *rbx_stmt_column_text(rbx_stmt *stmt, int col);
void rbx_stmt_finalize(rbx_stmt *stmt);
/* Rows changed by the last INSERT, UPDATE or DELETE stepped to its end. */
int64_t rbx_store_changes(rbx_store *store);

/* Bind a C string, or NULL as SQL NULL. */
void rbx_store_bind_text(rbx_stmt *stmt, int index, const char *text);
/* value, or NULL when has is false. */
void rbx_store_bind_opt_int64(rbx_stmt *stmt, int index, bool has, int64_t value);

/* A text column as an owned copy: NULL for SQL NULL (or when out of memory). */
char *rbx_store_column_dup(rbx_stmt *stmt, int col);

/* Schema migrations (store/migrations.c): brings the database to the newest version. */
int rbx_store_migrate(rbx_store *store, rbx_error *err);

#endif
