/* The store: one SQLite database (WAL) under the state dir holding API keys,
 * the per-user run history and (later) the async job queue. Every pool process
 * and worker opens its own connection; writers wait on a busy timeout rather
 * than fail. The schema is versioned (PRAGMA user_version) and migrated on open.
 *
 * History rows are owned by a user: every read, delete or stat takes the
 * caller's user and treats another user's row as absent (404). */
#ifndef RBX_STORE_H
#define RBX_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct rbx_store rbx_store;

/* Open (creating and migrating) the database at path. */
int rbx_store_open(const char *path, rbx_store **out, rbx_error *err);
void rbx_store_close(rbx_store *store);

/* ---- API keys ---------------------------------------------------------- */

typedef struct rbx_key_info {
    int64_t id;
    char user[128];
    char prefix[16];              /* first characters of the key, safe to show in lists */
    char signing_secret[80];      /* hex secret for callback HMACs */
    bool revoked;
    int64_t created_at;           /* unix seconds */
} rbx_key_info;

/* Create a key for user. The key and signing secret are written out once;
 * only a hash of the key is stored. */
int rbx_store_key_create(rbx_store *store, const char *user, char *key_out, size_t key_outsz,
                         rbx_key_info *info, rbx_error *err);
/* Look up a bearer key: 401 unauthorized when unknown or revoked. */
int rbx_store_key_authenticate(rbx_store *store, const char *key, rbx_key_info *info,
                               rbx_error *err);
/* Revoke by id or prefix: 404 when nothing matched. */
int rbx_store_key_revoke(rbx_store *store, const char *id_or_prefix, rbx_error *err);
/* [{id, user, prefix, revoked, created_at}, ...] */
int rbx_store_key_list(rbx_store *store, json_object **out, rbx_error *err);

/* ---- history ----------------------------------------------------------- */

/* Record one answered run: request is the validated body, response the
 * /execute response (its "id" is the row's id). */
int rbx_store_history_add(rbx_store *store, const char *user, json_object *request,
                          json_object *response, rbx_error *err);

typedef struct rbx_history_filter {
    bool has_project_id;
    int64_t project_id;
    const char *language;         /* NULL = any */
    const char *status;           /* NULL = any */
    int64_t limit;                /* 1..100 */
    int64_t offset;
} rbx_history_filter;

/* {"items": [summary...], "total": N, "limit": L, "offset": O}, newest first. */
int rbx_store_history_list(rbx_store *store, const char *user, const rbx_history_filter *filter,
                           json_object **out, rbx_error *err);
/* One run in full: code, stdin, outputs, verdict, tests, timings. 404 when absent or another user's. */
int rbx_store_history_get(rbx_store *store, const char *user, const char *id, json_object **out,
                          rbx_error *err);
int rbx_store_history_delete(rbx_store *store, const char *user, const char *id, rbx_error *err);
/* Counts and mean times per language and status for one user. */
int rbx_store_stats(rbx_store *store, const char *user, json_object **out, rbx_error *err);
/* Retention: rows older than max_age_days and beyond max_rows_per_user (0 = no bound). */
int rbx_store_history_prune(rbx_store *store, int max_age_days, int max_rows_per_user,
                            int64_t *removed, rbx_error *err);

#endif
