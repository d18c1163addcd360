/* The schema, as an ordered list of migrations. PRAGMA user_version holds how
 * many have been applied; opening the store applies the rest, all in one write
 * transaction, so concurrent openers see either the old or the new schema.
 *
 * To change the schema, append one entry to `migrations`; never edit an entry
 * that has shipped. */
#include "store/store_internal.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* 1: API keys and the run history. */
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  user TEXT NOT NULL,"
    "  prefix TEXT NOT NULL,"
    "  key_hash TEXT NOT NULL UNIQUE," /* hex SHA-256 of the key; the key itself is never stored */
    "  signing_secret TEXT NOT NULL,"  /* callbacks are signed with it, so it is kept */
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ");"
    "CREATE INDEX api_keys_prefix ON api_keys (prefix);"
    "CREATE TABLE history ("
    "  id TEXT PRIMARY KEY,"
    "  user TEXT NOT NULL,"
    "  project_id INTEGER,"
    "  session_id TEXT,"
    "  language TEXT NOT NULL,"
    "  language_version TEXT,"
    "  code TEXT,"
    "  stdin TEXT,"
    "  files TEXT," /* JSON array as submitted */
    "  args TEXT,"  /* JSON array */
    "  base64_encoded INTEGER NOT NULL DEFAULT 0,"
    "  limits TEXT,"            /* JSON object as submitted */
    "  response TEXT NOT NULL," /* the full /execute response */
    "  status TEXT NOT NULL,"
    "  exit_code INTEGER,"
    "  cpu_time_ms INTEGER,"
    "  wall_time_ms INTEGER,"
    "  memory_kb INTEGER,"
    "  created_at INTEGER NOT NULL"
    ");"
    /* Covers the list's filters and count, so paging reads only the index. */
    "CREATE INDEX history_user_created"
    "  ON history (user, created_at DESC, language, status, project_id);"
    "CREATE INDEX history_created ON history (created_at);",

    /* 2: the async job queue (store/jobs.c). Times in unix milliseconds. */
    "CREATE TABLE jobs ("
    "  id TEXT PRIMARY KEY,"
    "  user TEXT NOT NULL,"
    "  key_id INTEGER NOT NULL," /* whose signing secret signs the callback */
    "  request TEXT NOT NULL,"   /* the validated body, JSON */
    "  callback_url TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'cancelled')),"
    "  cancel_requested INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  started_at INTEGER,"
    "  finished_at INTEGER,"
    "  lease_owner TEXT,"
    "  lease_expires_at INTEGER,"
    "  runs INTEGER NOT NULL DEFAULT 0,"
    "  result TEXT," /* the /execute response, JSON */
    "  callback_attempts INTEGER NOT NULL DEFAULT 0,"
    "  callback_last_status INTEGER,"
    "  callback_delivered_at INTEGER,"
    "  callback_next_attempt_at INTEGER" /* NULL: nothing due */
    ");"
    "CREATE INDEX jobs_queue ON jobs (status, created_at);"
    "CREATE INDEX jobs_user ON jobs (user, created_at);"
    "CREATE INDEX jobs_callbacks_due ON jobs (callback_next_attempt_at)"
    "  WHERE callback_next_attempt_at IS NOT NULL;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int rbx_store_schema_version(rbx_store *store, int *version, rbx_error *err)
{
    sqlite3_stmt *stmt;
    if (rbx_store_prepare(store, "PRAGMA user_version", &stmt, err) < 0)
        return -1;
    int rc = sqlite3_step(stmt);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW)
        return rbx_store_sql_error(store, err, "reading the schema version");
    return 0;
}

int rbx_store_schema_latest(void)
{
    return N_MIGRATIONS;
}

static int apply_from(rbx_store *store, int version, rbx_error *err)
{
    for (int i = version; i < N_MIGRATIONS; i++) {
        if (rbx_store_exec(store, migrations[i], err) < 0) {
            rbx_error_prefix(err, "migration %d", i + 1);
            return -1;
        }
    }
    /* PRAGMA takes no bound parameters; the value is our own integer. */
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", N_MIGRATIONS);
    return rbx_store_exec(store, sql, err);
}

int rbx_store_migrate(rbx_store *store, rbx_error *err)
{
    int version;
    if (rbx_store_schema_version(store, &version, err) < 0)
        return -1;
    if (version == N_MIGRATIONS)
        return 0;
    if (rbx_store_begin_write(store, err) < 0)
        return -1;
    /* Read again under the write lock: another process may have migrated meanwhile. */
    if (rbx_store_schema_version(store, &version, err) < 0)
        goto fail;
    if (version > N_MIGRATIONS) {
        rbx_error_internal(err, "schema version %d is newer than this program's %d", version,
                           N_MIGRATIONS);
        goto fail;
    }
    if (apply_from(store, version, err) < 0)
        goto fail;
    return rbx_store_commit(store, err);
fail:
    rbx_store_rollback(store);
    return -1;
}
