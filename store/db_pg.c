/* The PostgreSQL backend over libpq: the store shared by every host of a
 * cluster. Each process holds one connection, opened from the store URL
 * (postgresql://user@host:port/db, handed to libpq whole).
 *
 * Statements are sent with PQexecParams, their text translated once at
 * prepare: ?N becomes $N, and the column name user (reserved in PostgreSQL)
 * is quoted. Integers are sent typed int8; text is sent untyped, so the
 * server gives it the type of the column it meets. A lost connection is
 * re-established at the next statement, so a restarted or failed-over
 * server costs the failed statement only. */
#include <ctype.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_internal.h"

/* The most parameters one statement of the store takes (history's insert: 19). */
#define PG_MAX_PARAMS 32
#define PG_INT8_OID 20
/* The advisory lock that serialises rbx_store_begin_write transactions ("rbx1"). */
#define PG_STORE_LOCK "1919055921"

typedef struct pg_conn {
    PGconn *conn;
    char listening[64]; /* the channel LISTENed to, "" for none */
    int64_t changes;
    char sqlstate[6];
    char message[256];
} pg_conn;

typedef struct pg_stmt {
    rbx_stmt base;
    char *sql;   /* translated to PostgreSQL's spelling */
    int nparams; /* the highest $N in sql */
    char *values[PG_MAX_PARAMS];
    Oid types[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24];
    PGresult *res;
    int row, rows;
} pg_stmt;

static pg_conn *conn_of(rbx_store *store)
{
    return store->conn;
}

static pg_stmt *pg(rbx_stmt *stmt)
{
    return (pg_stmt *)stmt;
}

/* Remember why the last command failed, for pg_error. */
static void note_failure(rbx_store *store, const PGresult *res)
{
    pg_conn *c = conn_of(store);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "08000");
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(c->conn);
    snprintf(c->message, sizeof(c->message), "%s", msg);
    size_t len = strlen(c->message);
    while (len > 0 && isspace((unsigned char)c->message[len - 1]))
        c->message[--len] = '\0';
}

/* Unreachable server, lock or serialisation conflicts, a cancelled query:
 * the caller should retry (503); anything else is our bug (500). */
static bool transient(const char *sqlstate)
{
    return strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57", 2) == 0 ||
           strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
           strcmp(sqlstate, "55P03") == 0 || strcmp(sqlstate, "53300") == 0;
}

static int pg_error(rbx_store *store, rbx_error *err, const char *what)
{
    pg_conn *c = conn_of(store);
    if (strcmp(c->sqlstate, "53100") == 0) /* disk_full: clears once space is freed */
        return rbx_error_storage_full(err, what);
    if (transient(c->sqlstate)) {
        rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL, "store unavailable while %s: %s", what,
                        c->message);
        if (err)
            err->retry_after = 1;
        return -1;
    }
    return rbx_error_internal(err, "store: %s: %s (%s)", what, c->message, c->sqlstate);
}

static int listen_on(pg_conn *c)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "LISTEN %s", c->listening);
    PGresult *res = PQexec(c->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear(res);
    return rc;
}

/* A connection the server or the network dropped is opened again before the
 * next statement (and LISTENs again); the statement that met the drop has
 * failed already. */
static void ensure_connected(rbx_store *store)
{
    pg_conn *c = conn_of(store);
    if (PQstatus(c->conn) == CONNECTION_OK)
        return;
    PQreset(c->conn);
    if (PQstatus(c->conn) == CONNECTION_OK && c->listening[0])
        listen_on(c);
}

/* ?N to $N and user to "user", outside quoted literals and identifiers. */
static char *translate(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 2 + 1);
    if (!out)
        return NULL;
    char *o = out;
    *nparams = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            *o++ = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            *o++ = *p;
        } else if (*p == '?' && isdigit((unsigned char)p[1])) {
            int n = atoi(p + 1);
            if (n > *nparams)
                *nparams = n;
            *o++ = '$';
        } else if (strncasecmp(p, "user", 4) == 0 && !isalnum((unsigned char)p[4]) && p[4] != '_' &&
                   (p == sql || (!isalnum((unsigned char)p[-1]) && p[-1] != '_' && p[-1] != '.'))) {
            memcpy(o, "\"user\"", 6);
            o += 6;
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

static int pg_exec(rbx_store *store, const char *sql, rbx_error *err)
{
    ensure_connected(store);
    int n;
    char *text = translate(sql, &n);
    if (!text)
        return rbx_error_errno(err, "store: out of memory");
    PGresult *res = PQexec(conn_of(store)->conn, text);
    free(text);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        note_failure(store, res);
        char what[48]; /* the statement's start names it well enough */
        snprintf(what, sizeof(what), "%.40s%s", sql, strlen(sql) > 40 ? "..." : "");
        rc = err ? pg_error(store, err, what) : -1;
    }
    PQclear(res);
    return rc;
}

/* One round trip for both; a failed lock leaves the transaction to roll back. */
static int pg_begin_write(rbx_store *store, rbx_error *err)
{
    if (pg_exec(store, "BEGIN; SELECT pg_advisory_xact_lock(" PG_STORE_LOCK ")", err) < 0) {
        pg_exec(store, "ROLLBACK", NULL);
        return -1;
    }
    return 0;
}

static int pg_begin_rows(rbx_store *store, rbx_error *err)
{
    return pg_exec(store, "BEGIN", err);
}

static int pg_begin_read(rbx_store *store, rbx_error *err)
{
    return pg_exec(store, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
}

static int pg_prepare(rbx_store *store, const char *sql, rbx_stmt **out, rbx_error *err)
{
    *out = NULL;
    ensure_connected(store);
    pg_stmt *stmt = calloc(1, sizeof(*stmt));
    if (!stmt)
        return rbx_error_errno(err, "store: out of memory");
    stmt->base.store = store;
    stmt->sql = translate(sql, &stmt->nparams);
    if (!stmt->sql) {
        free(stmt);
        return rbx_error_errno(err, "store: out of memory");
    }
    if (stmt->nparams > PG_MAX_PARAMS) {
        free(stmt->sql);
        free(stmt);
        return rbx_error_internal(err, "store: a statement with more than %d parameters",
                                  PG_MAX_PARAMS);
    }
    stmt->row = -1;
    *out = &stmt->base;
    return 0;
}

/* Indexes past the statement's own parameters are ignored, as SQLite does. */
static bool param_slot(pg_stmt *stmt, int index)
{
    if (index < 1 || index > stmt->nparams)
        return false;
    free(stmt->values[index - 1]);
    stmt->values[index - 1] = NULL;
    stmt->types[index - 1] = 0;
    return true;
}

static void pg_bind_int64(rbx_stmt *s, int index, int64_t value)
{
    pg_stmt *stmt = pg(s);
    if (!param_slot(stmt, index))
        return;
    snprintf(stmt->ints[index - 1], sizeof(stmt->ints[0]), "%lld", (long long)value);
    stmt->types[index - 1] = PG_INT8_OID;
}

static void pg_bind_text(rbx_stmt *s, int index, const char *text)
{
    pg_stmt *stmt = pg(s);
    if (param_slot(stmt, index))
        stmt->values[index - 1] = strdup(text);
}

static void pg_bind_null(rbx_stmt *s, int index)
{
    param_slot(pg(s), index);
}

/* A connection can look fine and be dead (the server dropped it while the
 * link was down): the statement that finds out fails. A read outside a
 * transaction is sent again once on a new connection, so a host back from a
 * partition answers its first request; a write may have been done, so it
 * is not repeated. */
static bool retry_after_drop(pg_conn *c, const pg_stmt *stmt, bool was_idle)
{
    if (!was_idle || PQstatus(c->conn) != CONNECTION_BAD || strncmp(stmt->sql, "SELECT", 6) != 0)
        return false;
    ensure_connected(stmt->base.store);
    return PQstatus(c->conn) == CONNECTION_OK;
}

static int run(pg_stmt *stmt)
{
    const char *values[PG_MAX_PARAMS];
    for (int i = 0; i < stmt->nparams; i++)
        values[i] = stmt->types[i] == PG_INT8_OID ? stmt->ints[i] : stmt->values[i];
    pg_conn *c = conn_of(stmt->base.store);
    bool was_idle = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
    stmt->res = PQexecParams(c->conn, stmt->sql, stmt->nparams, stmt->types, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(stmt->res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && retry_after_drop(c, stmt, was_idle)) {
        PQclear(stmt->res);
        stmt->res =
            PQexecParams(c->conn, stmt->sql, stmt->nparams, stmt->types, values, NULL, NULL, 0);
        st = PQresultStatus(stmt->res);
    }
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        note_failure(stmt->base.store, stmt->res);
        return RBX_STEP_ERROR;
    }
    c->changes = atoll(PQcmdTuples(stmt->res));
    stmt->rows = st == PGRES_TUPLES_OK ? PQntuples(stmt->res) : 0;
    stmt->row = 0;
    return stmt->rows > 0 ? RBX_STEP_ROW : RBX_STEP_DONE;
}

static int pg_step(rbx_stmt *s)
{
    pg_stmt *stmt = pg(s);
    if (!stmt->res)
        return run(stmt);
    if (stmt->row < stmt->rows)
        stmt->row++;
    return stmt->row < stmt->rows ? RBX_STEP_ROW : RBX_STEP_DONE;
}

static bool pg_column_null(rbx_stmt *s, int col)
{
    pg_stmt *stmt = pg(s);
    if (!stmt->res || stmt->row >= stmt->rows || col >= PQnfields(stmt->res))
        return true;
    return PQgetisnull(stmt->res, stmt->row, col);
}

static const char *pg_column_text(rbx_stmt *s, int col)
{
    if (pg_column_null(s, col))
        return NULL;
    pg_stmt *stmt = pg(s);
    return PQgetvalue(stmt->res, stmt->row, col);
}

/* Booleans come as t and f. */
static int64_t pg_column_int64(rbx_stmt *s, int col)
{
    const char *text = pg_column_text(s, col);
    if (!text)
        return 0;
    if (text[0] == 't' || text[0] == 'f')
        return text[0] == 't';
    return strtoll(text, NULL, 10);
}

static double pg_column_double(rbx_stmt *s, int col)
{
    const char *text = pg_column_text(s, col);
    return text ? strtod(text, NULL) : 0.0;
}

static void pg_finalize(rbx_stmt *s)
{
    pg_stmt *stmt = pg(s);
    PQclear(stmt->res);
    for (int i = 0; i < PG_MAX_PARAMS; i++)
        free(stmt->values[i]);
    free(stmt->sql);
    free(stmt);
}

static int64_t pg_changes(rbx_store *store)
{
    return conn_of(store)->changes;
}

/* One integer from a query without parameters; *found false when no row. */
static int query_int(rbx_store *store, const char *sql, int64_t *value, bool *found, rbx_error *err)
{
    rbx_stmt *stmt;
    if (pg_prepare(store, sql, &stmt, err) < 0)
        return -1;
    int rc = pg_step(stmt);
    *found = rc == RBX_STEP_ROW;
    *value = *found ? pg_column_int64(stmt, 0) : 0;
    pg_finalize(stmt);
    return rc == RBX_STEP_ERROR ? pg_error(store, err, sql) : 0;
}

/* The version lives in a one-row table, runbox_schema (absent: version 0). */
static int pg_schema_version(rbx_store *store, int *version, rbx_error *err)
{
    int64_t value;
    bool found;
    *version = 0;
    /* A scan of the catalog, not to_regclass: a name lookup may answer from
     * this connection's cache of names found absent before another
     * process's migration committed. */
    if (query_int(store,
                  "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'runbox_schema'"
                  " AND schemaname = current_schema()",
                  &value, &found, err) < 0)
        return -1;
    if (!value)
        return 0;
    if (query_int(store, "SELECT max(version) FROM runbox_schema", &value, &found, err) < 0)
        return -1;
    *version = (int)value;
    return 0;
}

static int pg_set_schema_version(rbx_store *store, int version, rbx_error *err)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE IF NOT EXISTS runbox_schema (version integer NOT NULL);"
             " DELETE FROM runbox_schema; INSERT INTO runbox_schema VALUES (%d)",
             version);
    return pg_exec(store, sql, err);
}

/* channel is one of the store's own constant names, never user input. */
static int pg_listen(rbx_store *store, const char *channel, rbx_error *err)
{
    pg_conn *c = conn_of(store);
    if (strcmp(c->listening, channel) == 0 && PQstatus(c->conn) == CONNECTION_OK)
        return 0; /* subscribed already */
    snprintf(c->listening, sizeof(c->listening), "%s", channel);
    ensure_connected(store);
    if (listen_on(c) < 0) {
        note_failure(store, NULL);
        return pg_error(store, err, "listening for wake-ups");
    }
    return 0;
}

static int pg_notify(rbx_store *store, const char *channel, rbx_error *err)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "NOTIFY %s", channel);
    return pg_exec(store, sql, err);
}

static int pg_wake_fd(rbx_store *store)
{
    ensure_connected(store);
    return PQsocket(conn_of(store)->conn);
}

/* Notifications also arrive while other statements run, and wait in libpq's
 * queue: so the queue is read here, not only the socket. */
static bool pg_drain(rbx_store *store)
{
    pg_conn *c = conn_of(store);
    PQconsumeInput(c->conn);
    bool any = false;
    PGnotify *n;
    while ((n = PQnotifies(c->conn))) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

static void pg_close(rbx_store *store)
{
    pg_conn *c = conn_of(store);
    if (!c)
        return;
    PQfinish(c->conn);
    free(c);
    store->conn = NULL;
}

/* Our defaults go before the URL, so the URL's own settings win: give up on
 * an unreachable server after a few seconds, and notice a dead link through
 * TCP keepalives and the user timeout instead of waiting for minutes. */
static int pg_open(rbx_store *store, const char *url, rbx_error *err)
{
    pg_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return rbx_error_errno(err, "store: out of memory");
    const char *keys[] = {"connect_timeout",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "application_name",
                          "dbname",
                          NULL};
    const char *values[] = {"5", "5", "2", "3", "10000", "runbox", url, NULL};
    c->conn = PQconnectdbParams(keys, values, 1);
    store->conn = c;
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL, "cannot connect to PostgreSQL: %s",
                        c->conn ? PQerrorMessage(c->conn) : "out of memory");
        if (err)
            err->retry_after = 1;
        pg_close(store);
        return -1;
    }
    /* Quiet the NOTICEs of CREATE ... IF NOT EXISTS; times are ours, in UTC.
     * The server watches this session's link as we watch it: a host cut off
     * holds key slots (advisory locks) that must be freed within seconds, not
     * after the kernel's two-hour keepalive. */
    if (pg_exec(store,
                "SET client_min_messages = warning; SET TIME ZONE 'UTC';"
                " SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2;"
                " SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000",
                err) < 0) {
        pg_close(store);
        return -1;
    }
    return 0;
}

const rbx_db_backend rbx_db_postgres = {
    .dialect = RBX_DIALECT_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin_write = pg_begin_write,
    .begin_rows = pg_begin_rows,
    .begin_read = pg_begin_read,
    .sql_error = pg_error,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_null = pg_column_null,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .finalize = pg_finalize,
    .changes = pg_changes,
    .schema_version = pg_schema_version,
    .set_schema_version = pg_set_schema_version,
    .listen = pg_listen,
    .notify = pg_notify,
    .wake_fd = pg_wake_fd,
    .drain = pg_drain,
};
