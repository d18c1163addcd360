/* The store: one SQLite database (WAL) under the state dir holding API keys,
 * the per-user run history and (later) the async job queue. Every pool process
 * and worker opens its own connection; writers wait on a busy timeout rather
 * than fail. The schema is versioned (PRAGMA user_version) and migrated on open.
 *
 * History rows are owned by a user: every read, delete or stat takes the
 * caller's user and treats another user's row as absent (404). */
#ifndef RBX_STORE_H
#define RBX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/run_record.h"

typedef struct rbx_store rbx_store;

/* Open (creating with mode 0600 and migrating) the database at path. One
 * connection per process (open it after fork); not for sharing between threads.
 * A write that waits past the busy timeout fails with 503 "overloaded".
 * Messages do not name the path: the caller prefixes it. */
int rbx_store_open(const char *path, rbx_store **out, rbx_error *err);
void rbx_store_close(rbx_store *store);
/* A consistent copy of the live database into dest (a new file: the caller
 * makes sure nothing is there), taken while the service goes on writing. */
int rbx_store_backup(rbx_store *store, const char *dest, rbx_error *err);
/* The size a history record's answer is cut to ([history] max_record_kb):
 * the longest texts are shortened and the record says "truncated": true. */
void rbx_store_set_history_max(rbx_store *store, size_t max_bytes);
/* The applied schema version (PRAGMA user_version) and the newest this build knows. */
int rbx_store_schema_version(rbx_store *store, int *version, rbx_error *err);
int rbx_store_schema_latest(void);
/* "sqlite" or "postgresql". */
const char *rbx_store_backend_name(const rbx_store *store);
/* One round trip to the database (/health): 503 when it cannot be reached. */
int rbx_store_ping(rbx_store *store, rbx_error *err);

/* ---- a key's run slots across hosts (store/key_slots.c) ---------------- */

/* Whether several hosts may share this store (PostgreSQL): then a key's
 * concurrency cap is kept in the store, not in the host's slot files. */
bool rbx_store_shared(const rbx_store *store);
/* The same for a store URL (what rbx_store_open takes), before opening it. */
bool rbx_store_url_shared(const char *url);
/* Take one of count run slots of key_id across every host on the store:
 * 1 with *slot set, 0 when all are held, -1 with err. The slot stays held
 * until released or until this connection ends (a crashed holder frees it). */
int rbx_store_key_slot_acquire(rbx_store *store, int64_t key_id, int count, int *slot,
                               rbx_error *err);
void rbx_store_key_slot_release(rbx_store *store, int64_t key_id, int slot);

/* ---- API keys ---------------------------------------------------------- */

typedef struct rbx_key_info {
    int64_t id;
    char user[128];
    char prefix[16];         /* first characters of the key, safe to show in lists */
    char signing_secret[80]; /* hex secret for callback HMACs */
    bool revoked;
    int64_t created_at; /* unix seconds */
} rbx_key_info;

/* Buffer size for a key: "rbx_" + 43 base64url characters + NUL fits. */
#define RBX_STORE_KEY_SIZE 64

/* Create a key for user (letters, digits and . _ @ + -; else 400 field "user").
 * The key (into key_out, at least RBX_STORE_KEY_SIZE bytes) and info->signing_secret
 * are for showing once; only a SHA-256 of the key is stored. */
int rbx_store_key_create(rbx_store *store, const char *user, char *key_out, size_t key_outsz,
                         rbx_key_info *info, rbx_error *err);
/* Look up a bearer key: 401 unauthorized when missing, unknown or revoked. */
int rbx_store_key_authenticate(rbx_store *store, const char *key, rbx_key_info *info,
                               rbx_error *err);
/* One key by id, revoked or not (the worker reads a job's signing secret): 404 when absent. */
int rbx_store_key_get(rbx_store *store, int64_t id, rbx_key_info *info, rbx_error *err);
/* Revoke by id (digits), by the prefix key list shows, or by the whole key:
 * 404 not_found when nothing matched, 409 conflict when a prefix is ambiguous.
 * Revoking a revoked key again succeeds. */
int rbx_store_key_revoke(rbx_store *store, const char *id_or_prefix, rbx_error *err);
/* One key as listed: never its hash or signing secret. Strings owned. */
typedef struct rbx_key_row {
    int64_t id;
    char *user, *prefix;
    int64_t created_at_ms; /* unix milliseconds */
    bool revoked;          /* whether revoked_at_ms is set */
    int64_t revoked_at_ms;
} rbx_key_row;

typedef struct rbx_key_list {
    rbx_key_row *items;
    size_t n;
} rbx_key_list;

void rbx_key_list_free(rbx_key_list *list);

/* Every key, by id. The answer layers write the JSON (ctl/commands.c). */
int rbx_store_key_list(rbx_store *store, rbx_key_list *out, rbx_error *err);

/* ---- history ----------------------------------------------------------- */

/* Record one answered run: the columns are bound from rec (the facts its
 * writer took from the engine's report) and in (what the request said), and
 * answer (the JSON text the writer produced) is kept as it is, as an opaque
 * blob: cut to the history's record size when over it. rec->id is the row's
 * id; language should be the canonical id. */
int rbx_store_history_add(rbx_store *store, const char *user, const rbx_run_input *in,
                          const rbx_run_record *rec, const char *answer, rbx_error *err);

typedef struct rbx_history_filter {
    bool has_project_id;
    int64_t project_id;
    const char *language; /* NULL = any */
    const char *status;   /* NULL = any */
    int64_t limit;        /* 1..100; 0 = the default, 20 */
    int64_t offset;       /* >= 0 */
} rbx_history_filter;

#define RBX_HISTORY_DEFAULT_LIMIT 20
#define RBX_HISTORY_MAX_LIMIT 100

/* An integer column that may be NULL. */
typedef struct rbx_opt_int {
    bool set;
    int64_t value;
} rbx_opt_int;

/* One stored run, typed; strings owned (NULL for SQL NULL). The answer
 * layer (fcgi/stored.h) writes the JSON. */
typedef struct rbx_history_row {
    char *id, *session_id, *language, *language_version, *status, *request_id;
    rbx_opt_int project_id, exit_code, cpu_time_ms, wall_time_ms, memory_kb;
    int64_t created_at_ms; /* unix milliseconds */
    /* rbx_store_history_get only: the answer as stored, and the request's texts. */
    char *answer, *code, *stdin_text, *files_json, *args_json, *limits_json;
    bool base64_encoded;
} rbx_history_row;

void rbx_history_row_free(rbx_history_row *row);

/* A page of summaries, newest first (created_at, then insertion order). */
typedef struct rbx_history_page {
    rbx_history_row *items;
    size_t n;
    int64_t total, limit, offset;
} rbx_history_page;

void rbx_history_page_free(rbx_history_page *page);

/* A limit outside 0..100 or a negative offset is 400 invalid_request with
 * field "limit" or "offset". */
int rbx_store_history_list(rbx_store *store, const char *user, const rbx_history_filter *filter,
                           rbx_history_page *out, rbx_error *err);
/* One run in full. 404 not_found when absent or another user's. */
int rbx_store_history_get(rbx_store *store, const char *user, const char *id, rbx_history_row *out,
                          rbx_error *err);
/* 404 not_found when absent or another user's. */
int rbx_store_history_delete(rbx_store *store, const char *user, const char *id, rbx_error *err);
/* Counts and mean times of a set of runs; a mean is only there (has_) when
 * some run of the set had that time. */
typedef struct rbx_stats_group {
    int64_t runs;
    bool has_cpu, has_wall;
    double mean_cpu_time_ms, mean_wall_time_ms;
} rbx_stats_group;

/* The runs of one language or one status. name is owned. */
typedef struct rbx_stats_named_group {
    char *name;
    rbx_stats_group group;
} rbx_stats_named_group;

/* One user's runs: in total, by language and by status, each list ordered
 * by name. The answer layer (fcgi/stored.h) writes GET /stats. */
typedef struct rbx_run_stats {
    rbx_stats_group total;
    rbx_stats_named_group *by_language, *by_status;
    size_t n_language, n_status;
} rbx_run_stats;

void rbx_run_stats_free(rbx_run_stats *stats);

int rbx_store_stats(rbx_store *store, const char *user, rbx_run_stats *out, rbx_error *err);
/* Retention: delete rows older than max_age_days and each user's rows beyond
 * the newest max_rows_per_user (0 = no bound); *removed counts them (may be NULL). */
int rbx_store_history_prune(rbx_store *store, int max_age_days, int max_rows_per_user,
                            int64_t *removed, rbx_error *err);

#endif
