/* The seam between the store's SQL and the database engine: every store file
 * runs its SQL through these calls, never through sqlite3 or libpq directly.
 * Two backends implement it (db_sqlite.c, db_pg.c), chosen by the store URL.
 *
 * One SQL text serves both engines: statements are written in SQLite's
 * spelling with numbered parameters (?1, ?2...), which the PostgreSQL backend
 * turns into $1, $2... (it also quotes the column name user, a reserved word
 * there). Where the engines truly differ (schema types, FOR UPDATE SKIP
 * LOCKED) the caller asks rbx_store_dialect() and passes the other text.
 *
 * The shape follows SQLite's: prepare, bind, step row by row, finalize. */
#ifndef RBX_STORE_DB_H
#define RBX_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

typedef struct rbx_store rbx_store;
typedef struct rbx_stmt rbx_stmt;

typedef enum rbx_dialect { RBX_DIALECT_SQLITE, RBX_DIALECT_POSTGRES } rbx_dialect;

/* What rbx_stmt_step answers. */
enum { RBX_STEP_ERROR = -1, RBX_STEP_DONE = 0, RBX_STEP_ROW = 1 };

/* One backend: a connection (conn) and its statements. */
typedef struct rbx_db_backend {
    rbx_dialect dialect;
    int (*open)(rbx_store *store, const char *target, rbx_error *err);
    void (*close)(rbx_store *store);
    int (*exec)(rbx_store *store, const char *sql, rbx_error *err);
    /* begin_write serialises with every other writer (the whole-store
     * invariants: queue limits, migrations); begin_rows only locks the rows
     * its statements touch (a plain transaction on PostgreSQL). */
    int (*begin_write)(rbx_store *store, rbx_error *err);
    int (*begin_rows)(rbx_store *store, rbx_error *err);
    int (*begin_read)(rbx_store *store, rbx_error *err);
    int (*sql_error)(rbx_store *store, rbx_error *err, const char *what);
    int (*prepare)(rbx_store *store, const char *sql, rbx_stmt **out, rbx_error *err);
    void (*bind_int64)(rbx_stmt *stmt, int index, int64_t value);
    void (*bind_text)(rbx_stmt *stmt, int index, const char *text);
    void (*bind_null)(rbx_stmt *stmt, int index);
    int (*step)(rbx_stmt *stmt);
    bool (*column_null)(rbx_stmt *stmt, int col);
    int64_t (*column_int64)(rbx_stmt *stmt, int col);
    double (*column_double)(rbx_stmt *stmt, int col);
    const char *(*column_text)(rbx_stmt *stmt, int col);
    void (*finalize)(rbx_stmt *stmt);
    /* Rows changed by the last INSERT, UPDATE or DELETE stepped to its end. */
    int64_t (*changes)(rbx_store *store);
    /* The applied schema version and setting it (inside the migration). */
    int (*schema_version)(rbx_store *store, int *version, rbx_error *err);
    int (*set_schema_version)(rbx_store *store, int version, rbx_error *err);
    /* Wake-ups between processes, NULL where the engine has none (SQLite:
     * its users poll). listen subscribes this connection to channel (again
     * after a reconnect); notify (inside a transaction: sent at its commit)
     * wakes every listener; wake_fd is the descriptor that turns readable
     * when a notification may be waiting; drain takes the waiting ones and
     * tells whether there were any. */
    int (*listen)(rbx_store *store, const char *channel, rbx_error *err);
    int (*notify)(rbx_store *store, const char *channel, rbx_error *err);
    int (*wake_fd)(rbx_store *store);
    bool (*drain)(rbx_store *store);
} rbx_db_backend;

extern const rbx_db_backend rbx_db_sqlite;
extern const rbx_db_backend rbx_db_postgres;

/* Every backend's statement starts with this. */
struct rbx_stmt {
    rbx_store *store;
};

#endif
