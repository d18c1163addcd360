/* Opening the store (the URL picks the backend) and the helpers every store
 * file shares. The statement calls only dispatch to the backend (store/db.h). */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

rbx_dialect rbx_store_dialect(const rbx_store *store)
{
    return store->backend->dialect;
}

int rbx_store_sql_error(rbx_store *store, rbx_error *err, const char *what)
{
    return store->backend->sql_error(store, err, what);
}

int rbx_store_prepare(rbx_store *store, const char *sql, rbx_stmt **stmt, rbx_error *err)
{
    return store->backend->prepare(store, sql, stmt, err);
}

int rbx_store_exec(rbx_store *store, const char *sql, rbx_error *err)
{
    return store->backend->exec(store, sql, err);
}

int rbx_store_begin_write(rbx_store *store, rbx_error *err)
{
    return store->backend->begin_write(store, err);
}

int rbx_store_begin_rows(rbx_store *store, rbx_error *err)
{
    return store->backend->begin_rows(store, err);
}

int rbx_store_begin_read(rbx_store *store, rbx_error *err)
{
    return store->backend->begin_read(store, err);
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
    /* Fails harmlessly when the engine already rolled back on its own. */
    store->backend->exec(store, "ROLLBACK", NULL);
}

void rbx_stmt_bind_int64(rbx_stmt *stmt, int index, int64_t value)
{
    stmt->store->backend->bind_int64(stmt, index, value);
}

void rbx_stmt_bind_null(rbx_stmt *stmt, int index)
{
    stmt->store->backend->bind_null(stmt, index);
}

void rbx_store_bind_opt_int64(rbx_stmt *stmt, int index, bool has, int64_t value)
{
    if (has)
        stmt->store->backend->bind_int64(stmt, index, value);
    else
        stmt->store->backend->bind_null(stmt, index);
}

void rbx_store_bind_text(rbx_stmt *stmt, int index, const char *text)
{
    if (!text)
        stmt->store->backend->bind_null(stmt, index);
    else
        stmt->store->backend->bind_text(stmt, index, text);
}

int rbx_stmt_step(rbx_stmt *stmt)
{
    return stmt->store->backend->step(stmt);
}

bool rbx_stmt_column_null(rbx_stmt *stmt, int col)
{
    return stmt->store->backend->column_null(stmt, col);
}

int64_t rbx_stmt_column_int64(rbx_stmt *stmt, int col)
{
    return stmt->store->backend->column_int64(stmt, col);
}

int rbx_stmt_column_int(rbx_stmt *stmt, int col)
{
    return (int)rbx_stmt_column_int64(stmt, col);
}

double rbx_stmt_column_double(rbx_stmt *stmt, int col)
{
    return stmt->store->backend->column_double(stmt, col);
}

const char *rbx_stmt_column_text(rbx_stmt *stmt, int col)
{
    return stmt->store->backend->column_text(stmt, col);
}

void rbx_stmt_finalize(rbx_stmt *stmt)
{
    if (stmt)
        stmt->store->backend->finalize(stmt);
}

int64_t rbx_store_changes(rbx_store *store)
{
    return store->backend->changes(store);
}

char *rbx_store_column_dup(rbx_stmt *stmt, int col)
{
    const char *text = rbx_stmt_column_null(stmt, col) ? NULL : rbx_stmt_column_text(stmt, col);
    return text ? strdup(text) : NULL;
}

/* "postgresql://..." or "postgres://..." is a PostgreSQL connection URI
 * (handed to libpq whole); "sqlite://" + an absolute path, or a bare path,
 * is an SQLite file. *target is what the backend opens. */
bool rbx_store_url_shared(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

static const rbx_db_backend *backend_for(const char *url, const char **target)
{
    if (rbx_store_url_shared(url)) {
        *target = url;
        return &rbx_db_postgres;
    }
    *target = strncmp(url, "sqlite://", 9) == 0 ? url + 9 : url;
    return &rbx_db_sqlite;
}

void rbx_store_set_history_max(rbx_store *store, size_t max_bytes)
{
    store->history_max_bytes = max_bytes;
}

int rbx_store_open(const char *url, rbx_store **out, rbx_error *err)
{
    *out = NULL;
    if (!url || !*url)
        return rbx_error_internal(err, "store: no database path or URL");
    const char *target;
    const rbx_db_backend *backend = backend_for(url, &target);
    if (!*target)
        return rbx_error_internal(err, "store: no database path in %s", url);
    rbx_store *store = calloc(1, sizeof(*store));
    if (!store)
        return rbx_error_errno(err, "store: out of memory");
    store->backend = backend;
    if (backend->open(store, target, err) < 0) {
        free(store);
        return -1;
    }
    if (rbx_store_migrate(store, err) < 0) {
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
    store->backend->close(store);
    free(store);
}

const char *rbx_store_backend_name(const rbx_store *store)
{
    return rbx_store_dialect(store) == RBX_DIALECT_POSTGRES ? "postgresql" : "sqlite";
}

int rbx_store_ping(rbx_store *store, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT 1", &stmt, err) < 0)
        return -1;
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_ROW)
        return rbx_store_sql_error(store, err, "checking the store");
    return 0;
}
