/* Shared by the store's own files only: the connection and the small helpers
 * that turn SQLite failures into rbx_error. Nothing outside store/ includes it. */
#ifndef RBX_STORE_INTERNAL_H
#define RBX_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

struct rbx_store {
    sqlite3 *db;
};

/* Fill err from the connection's last failure: 503 when the database stayed
 * locked past the busy timeout (another writer held it), else 500. */
int rbx_store_sql_error(rbx_store *store, rbx_error *err, const char *what);

/* Prepare one statement; on failure fills err and returns -1. */
int rbx_store_prepare(rbx_store *store, const char *sql, sqlite3_stmt **stmt, rbx_error *err);

/* Run one or more statements without results (schema, BEGIN/COMMIT). */
int rbx_store_exec(rbx_store *store, const char *sql, rbx_error *err);

/* BEGIN IMMEDIATE takes the write lock up front, so a transaction never has
 * to upgrade a read snapshot (which fails with SQLITE_BUSY_SNAPSHOT instead
 * of waiting in WAL mode). */
int rbx_store_begin_write(rbx_store *store, rbx_error *err);
int rbx_store_commit(rbx_store *store, rbx_error *err);
void rbx_store_rollback(rbx_store *store);

/* One row of a user's: run sql with ?1 = id and ?2 = user and turn the row,
 * when there is one, into *out with to_json (*out NULL when there is none).
 * 1 when a row was found, 0 when none, -1 with err set on an SQL failure. */
int rbx_store_get_user_row(rbx_store *store, const char *sql, const char *id, const char *user,
                           json_object *(*to_json)(sqlite3_stmt *), json_object **out,
                           const char *what, rbx_error *err);

/* Bind a C string, or NULL as SQL NULL. */
int rbx_store_bind_text(sqlite3_stmt *stmt, int index, const char *text);

/* A column as json: NULL as json null, integers, reals, and text. */
json_object *rbx_store_column_json_int(sqlite3_stmt *stmt, int col);
json_object *rbx_store_column_json_text(sqlite3_stmt *stmt, int col);

/* Unix seconds as "2024-05-01T12:00:00Z". */
json_object *rbx_store_json_time(int64_t unix_seconds);

/* Schema migrations (store/migrations.c): brings the database to the newest version. */
int rbx_store_migrate(rbx_store *store, rbx_error *err);

#endif
