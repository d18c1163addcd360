/* The async job queue (see jobs.h for the life of a job). Every state change
 * is one statement or one transaction, and every change of a running job
 * names its lease owner, so racing workers and API processes can
 * never both win. */
#include "store/jobs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "common/clock.h"
#include "store/store_internal.h"

/* Job times are wall-clock milliseconds (common/clock.h). */
static int64_t now_ms(void)
{
    return rbx_clock_unix_ms();
}

static char *column_strdup(rbx_stmt *stmt, int col)
{
    if (rbx_stmt_column_null(stmt, col))
        return NULL;
    return strdup(rbx_stmt_column_text(stmt, col));
}

/* Step a statement that changes rows; -1 with err on failure. */
static int step_done(rbx_store *store, rbx_stmt *stmt, const char *what, rbx_error *err)
{
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, what);
    return 0;
}

/* ---- wake-ups ------------------------------------------------------------- */

#define WAKE_CHANNEL "runbox_jobs"

/* Inside the transaction that queues: listeners hear it once it commits. */
static int wake_workers(rbx_store *store, rbx_error *err)
{
    if (!store->backend->notify)
        return 0;
    return store->backend->notify(store, WAKE_CHANNEL, err);
}

int rbx_jobs_wake_fd(rbx_store *store, rbx_error *err)
{
    if (!store->backend->listen)
        return -1;
    if (store->backend->listen(store, WAKE_CHANNEL, err) < 0)
        return -1;
    return store->backend->wake_fd(store);
}

bool rbx_jobs_wake_drain(rbx_store *store)
{
    return store->backend->drain && store->backend->drain(store);
}

/* ---- enqueue -------------------------------------------------------------- */

int rbx_jobs_count_pending(rbx_store *store, int64_t *count, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')",
                          &stmt, err) < 0)
        return -1;
    int rc = rbx_stmt_step(stmt);
    *count = rc == RBX_STEP_ROW ? rbx_stmt_column_int64(stmt, 0) : 0;
    rbx_stmt_finalize(stmt);
    return rc == RBX_STEP_ROW ? 0 : rbx_store_sql_error(store, err, "counting queued jobs");
}

int rbx_jobs_count_by_state(rbx_store *store, rbx_job_state_counts *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT status, count(*) FROM jobs GROUP BY status", &stmt, err) <
        0)
        return -1;
    int rc;
    while ((rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW) {
        const char *status = rbx_stmt_column_text(stmt, 0);
        int64_t n = rbx_stmt_column_int64(stmt, 1);
        if (!status)
            continue;
        if (strcmp(status, "queued") == 0)
            out->queued = n;
        else if (strcmp(status, "running") == 0)
            out->running = n;
        else if (strcmp(status, "done") == 0)
            out->done = n;
        else if (strcmp(status, "cancelled") == 0)
            out->cancelled = n;
    }
    rbx_stmt_finalize(stmt);
    return rc == RBX_STEP_DONE ? 0 : rbx_store_sql_error(store, err, "counting jobs");
}

static int insert_job(rbx_store *store, const char *user, int64_t key_id, rbx_job_new *job,
                      int64_t created, rbx_error *err)
{
    uuid_t uu;
    uuid_generate_random(uu);
    uuid_unparse_lower(uu, job->id);
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "INSERT INTO jobs (id, user, key_id, request, callback_url, status,"
                          " created_at, request_id) VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7)",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, job->id);
    rbx_store_bind_text(stmt, 2, user);
    rbx_stmt_bind_int64(stmt, 3, key_id);
    rbx_store_bind_text(stmt, 4,
                        json_object_to_json_string_ext(job->request, JSON_C_TO_STRING_PLAIN));
    rbx_store_bind_text(stmt, 5, job->callback_url);
    rbx_stmt_bind_int64(stmt, 6, created);
    rbx_store_bind_text(stmt, 7, job->request_id && *job->request_id ? job->request_id : NULL);
    return step_done(store, stmt, "queueing a job", err);
}

static int refuse_overload(rbx_error *err, int max_queued)
{
    rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL,
                    "the job queue is full (%d jobs waiting or running); retry later", max_queued);
    if (err)
        err->retry_after = 5;
    return -1;
}

static int count_pending_of_key(rbx_store *store, int64_t key_id, int64_t *count, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT count(*) FROM jobs WHERE key_id = ?1"
                          " AND status IN ('queued', 'running')",
                          &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, key_id);
    int rc = rbx_stmt_step(stmt);
    *count = rc == RBX_STEP_ROW ? rbx_stmt_column_int64(stmt, 0) : 0;
    rbx_stmt_finalize(stmt);
    return rc == RBX_STEP_ROW ? 0 : rbx_store_sql_error(store, err, "counting a key's jobs");
}

/* One key may not fill the queue other keys share. */
static int check_key_share(rbx_store *store, int64_t key_id, size_t n, int max_per_key,
                           rbx_error *err)
{
    int64_t mine;
    if (max_per_key <= 0)
        return 0;
    if (count_pending_of_key(store, key_id, &mine, err) < 0)
        return -1;
    if (mine + (int64_t)n <= max_per_key)
        return 0;
    rbx_error_raise(err, RBX_ERR_RATE_LIMITED, NULL, NULL,
                    "this key already has %" PRId64 " jobs waiting or running, and its share of the"
                    " queue is %d; retry when some have finished",
                    mine, max_per_key);
    if (err)
        err->retry_after = 5;
    return -1;
}

int rbx_jobs_enqueue(rbx_store *store, const char *user, int64_t key_id, rbx_job_new *jobs,
                     size_t n, int max_queued, int max_per_key, rbx_error *err)
{
    if (rbx_store_begin_write(store, err) < 0)
        return -1;
    int64_t pending;
    if (rbx_jobs_count_pending(store, &pending, err) < 0)
        goto fail;
    if (pending + (int64_t)n > max_queued) {
        refuse_overload(err, max_queued);
        goto fail;
    }
    if (check_key_share(store, key_id, n, max_per_key, err) < 0)
        goto fail;
    /* One created_at plus insertion order (rowid) keeps a batch in order. */
    int64_t created = now_ms();
    for (size_t i = 0; i < n; i++)
        if (insert_job(store, user, key_id, &jobs[i], created, err) < 0)
            goto fail;
    if (wake_workers(store, err) < 0)
        goto fail;
    return rbx_store_commit(store, err);
fail:
    rbx_store_rollback(store);
    return -1;
}

/* ---- reading state -------------------------------------------------------- */

#define STATE_COLUMNS                                                                              \
    "id, status, created_at, started_at, finished_at, result, callback_url,"                       \
    " callback_attempts, callback_last_status, callback_delivered_at, cancel_requested"

static int64_t column_time(rbx_stmt *stmt, int col)
{
    return rbx_stmt_column_null(stmt, col) ? -1 : rbx_stmt_column_int64(stmt, col);
}

static void state_of_row(rbx_stmt *stmt, rbx_job_state *state)
{
    state->found = true;
    snprintf(state->status, sizeof(state->status), "%s", rbx_stmt_column_text(stmt, 1));
    state->created_at = column_time(stmt, 2);
    state->started_at = column_time(stmt, 3);
    state->finished_at = column_time(stmt, 4);
    state->result = column_strdup(stmt, 5);
    state->has_callback = !rbx_stmt_column_null(stmt, 6);
    state->callback_attempts = rbx_stmt_column_int(stmt, 7);
    if (!rbx_stmt_column_null(stmt, 8))
        state->callback_last_status = (rbx_opt_int){true, rbx_stmt_column_int64(stmt, 8)};
    state->callback_delivered_at = column_time(stmt, 9);
    state->cancel_requested = rbx_stmt_column_int(stmt, 10) != 0;
}

void rbx_job_state_clear(rbx_job_state *state)
{
    free(state->result);
    memset(state, 0, sizeof(*state));
}

static int not_found(rbx_error *err, const char *id)
{
    return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no task %s", id);
}

/* out->found false (and 0 returned) when the job is absent or another user's. */
static int read_state(rbx_store *store, const char *user, const char *id, rbx_job_state *out,
                      rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", id ? id : "");
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT " STATE_COLUMNS " FROM jobs WHERE id = ?1 AND user = ?2",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, user);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW) {
        state_of_row(stmt, out);
        rc = rbx_stmt_step(stmt);
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE) {
        rbx_job_state_clear(out);
        return rbx_store_sql_error(store, err, "reading a task");
    }
    return 0;
}

int rbx_jobs_get(rbx_store *store, const char *user, const char *id, rbx_job_state *out,
                 rbx_error *err)
{
    if (read_state(store, user, id, out, err) < 0)
        return -1;
    return out->found ? 0 : not_found(err, id);
}

int rbx_jobs_get_many(rbx_store *store, const char *user, const char *const *ids, size_t n,
                      rbx_job_state *out, rbx_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (read_state(store, user, ids[i], &out[i], err) < 0) {
            for (size_t j = 0; j < i; j++)
                rbx_job_state_clear(&out[j]);
            return -1;
        }
    }
    return 0;
}

/* ---- cancel (API side) ---------------------------------------------------- */

/* A queued or running job is cancelled now, as the answer says: its worker
 * finds the job no longer running at its next lease renewal and kills the
 * run, and a result it would store is refused (store_result wants a running
 * job). Done and cancelled jobs are left alone. */
static int request_cancel(rbx_store *store, const char *user, const char *id, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET status = 'cancelled', finished_at = ?3,"
                          " cancel_requested = 1"
                          " WHERE id = ?1 AND user = ?2 AND status IN ('queued', 'running')",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, user);
    rbx_stmt_bind_int64(stmt, 3, now_ms());
    return step_done(store, stmt, "cancelling a task", err);
}

int rbx_jobs_cancel(rbx_store *store, const char *user, const char *id, rbx_job_state *out,
                    rbx_error *err)
{
    if (request_cancel(store, user, id, err) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    if (rbx_jobs_get(store, user, id, out, err) < 0)
        return -1;
    if (strcmp(out->status, "done") == 0) {
        rbx_job_state_clear(out);
        return rbx_error_raise(err, RBX_ERR_CONFLICT, NULL, NULL, "task %s is already done", id);
    }
    return 0;
}

/* ---- claim, renew, finish (worker side) ----------------------------------- */

void rbx_job_clear(rbx_job *job)
{
    json_object_put(job->request);
    free(job->callback_url);
    memset(job, 0, sizeof(*job));
}

/* A worker that died after a cancel request cannot act on it: once its
 * lease is gone the job is simply cancelled. */
static int expire_cancelled(rbx_store *store, int64_t now, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET status = 'cancelled', finished_at = ?1,"
                          " lease_owner = NULL, lease_expires_at = NULL"
                          " WHERE status = 'running' AND cancel_requested = 1"
                          " AND lease_expires_at < ?1",
                          &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, now);
    return step_done(store, stmt, "expiring cancelled jobs", err);
}

#define CLAIM_SQL(lock)                                                                            \
    "UPDATE jobs SET status = 'running', lease_owner = ?1, lease_expires_at = ?2 + ?3,"            \
    " started_at = ?2, runs = runs + 1"                                                            \
    " WHERE id = (SELECT id FROM jobs"                                                             \
    "   WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < ?2)"                 \
    "   ORDER BY created_at, rowid LIMIT 1" lock ")"                                               \
    " RETURNING id, user, key_id, request, callback_url, runs, request_id"

/* On PostgreSQL claimers on many hosts run at once: each locks the row it
 * picks and skips the rows others have locked, so two claims never pick the
 * same job and none waits behind another. SQLite has one writer at a time. */
static const char *claim_sql(rbx_store *store)
{
    if (rbx_store_dialect(store) == RBX_DIALECT_POSTGRES)
        return CLAIM_SQL(" FOR UPDATE SKIP LOCKED");
    return CLAIM_SQL("");
}

static int claim_one(rbx_store *store, const char *owner, int lease_seconds, int64_t now,
                     rbx_job *out, bool *claimed, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, claim_sql(store), &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, owner);
    rbx_stmt_bind_int64(stmt, 2, now);
    rbx_stmt_bind_int64(stmt, 3, (int64_t)lease_seconds * 1000);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW) {
        snprintf(out->id, sizeof(out->id), "%s", rbx_stmt_column_text(stmt, 0));
        snprintf(out->user, sizeof(out->user), "%s", rbx_stmt_column_text(stmt, 1));
        out->key_id = rbx_stmt_column_int64(stmt, 2);
        out->request = json_tokener_parse(rbx_stmt_column_text(stmt, 3));
        out->callback_url = column_strdup(stmt, 4);
        out->runs = rbx_stmt_column_int(stmt, 5);
        const char *request_id = rbx_stmt_column_text(stmt, 6);
        snprintf(out->request_id, sizeof(out->request_id), "%s", request_id ? request_id : "");
        *claimed = true;
        rc = rbx_stmt_step(stmt); /* runs the statement to completion */
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE) {
        rbx_job_clear(out);
        *claimed = false;
        return rbx_store_sql_error(store, err, "claiming a job");
    }
    return 0;
}

/* A read first: an idle worker polling an empty queue must not take the
 * write lock (and grow the WAL) every time it looks. */
static int anything_claimable(rbx_store *store, int64_t now, bool *any, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued'"
                          " OR (status = 'running' AND lease_expires_at < ?1))",
                          &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, now);
    int rc = rbx_stmt_step(stmt);
    *any = rc == RBX_STEP_ROW && rbx_stmt_column_int(stmt, 0) != 0;
    rbx_stmt_finalize(stmt);
    return rc == RBX_STEP_ROW ? 0 : rbx_store_sql_error(store, err, "looking for queued jobs");
}

int rbx_jobs_claim(rbx_store *store, const char *owner, int lease_seconds, rbx_job *out,
                   bool *claimed, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    *claimed = false;
    int64_t now = now_ms();
    bool any;
    if (anything_claimable(store, now, &any, err) < 0)
        return -1;
    if (!any)
        return 0;
    /* On PostgreSQL each statement is atomic by itself and row locks keep
     * claimers apart: no transaction around the two, two round trips fewer
     * per claim. SQLite takes its write lock once for both. */
    if (rbx_store_dialect(store) == RBX_DIALECT_POSTGRES)
        return expire_cancelled(store, now, err) < 0
                   ? -1
                   : claim_one(store, owner, lease_seconds, now, out, claimed, err);
    if (rbx_store_begin_rows(store, err) < 0)
        return -1;
    if (expire_cancelled(store, now, err) < 0 ||
        claim_one(store, owner, lease_seconds, now, out, claimed, err) < 0) {
        rbx_store_rollback(store);
        return -1;
    }
    if (rbx_store_commit(store, err) < 0) {
        rbx_job_clear(out);
        *claimed = false;
        return -1;
    }
    return 0;
}

int rbx_jobs_renew(rbx_store *store, const char *id, const char *owner, int lease_seconds,
                   bool *owned, bool *cancel_requested, rbx_error *err)
{
    *owned = *cancel_requested = false;
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET lease_expires_at = ?3 WHERE id = ?1"
                          " AND lease_owner = ?2 AND status IN ('running', 'cancelled')"
                          " RETURNING cancel_requested",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, owner);
    rbx_stmt_bind_int64(stmt, 3, now_ms() + (int64_t)lease_seconds * 1000);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW) {
        *owned = true;
        *cancel_requested = rbx_stmt_column_int(stmt, 0) != 0;
        rc = rbx_stmt_step(stmt);
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "renewing a job lease");
    return 0;
}

static int store_result(rbx_store *store, const rbx_job *job, const char *owner, const char *answer,
                        bool *finished, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET status = 'done', result = ?3, finished_at = ?4,"
                          " lease_owner = NULL, lease_expires_at = NULL,"
                          " callback_next_attempt_at = CASE WHEN callback_url IS NULL"
                          "   THEN NULL ELSE ?4 END"
                          " WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, job->id);
    rbx_store_bind_text(stmt, 2, owner);
    rbx_store_bind_text(stmt, 3, answer);
    rbx_stmt_bind_int64(stmt, 4, now_ms());
    if (step_done(store, stmt, "storing a job result", err) < 0)
        return -1;
    *finished = rbx_store_changes(store) == 1;
    return 0;
}

int rbx_jobs_finish(rbx_store *store, const rbx_job *job, const char *owner,
                    const rbx_run_input *in, const rbx_run_record *rec, const char *answer,
                    bool *finished, rbx_error *err)
{
    *finished = false;
    if (rbx_store_begin_rows(store, err) < 0)
        return -1;
    if (store_result(store, job, owner, answer, finished, err) < 0)
        goto fail;
    if (*finished && in->save_history &&
        rbx_store_history_add(store, job->user, in, rec, answer, err) < 0)
        goto fail;
    return rbx_store_commit(store, err);
fail:
    *finished = false;
    rbx_store_rollback(store);
    return -1;
}

/* Move a running job that owner holds to `status` ('cancelled' or 'queued'). */
static int end_lease(rbx_store *store, const char *id, const char *owner, const char *sql,
                     rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, owner);
    rbx_stmt_bind_int64(stmt, 3, now_ms()); /* unused by the release statement: ignored */
    return step_done(store, stmt, "ending a job lease", err);
}

int rbx_jobs_mark_cancelled(rbx_store *store, const char *id, const char *owner, rbx_error *err)
{
    return end_lease(store, id, owner,
                     "UPDATE jobs SET status = 'cancelled', finished_at = ?3,"
                     " lease_owner = NULL, lease_expires_at = NULL"
                     " WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
                     err);
}

int rbx_jobs_release(rbx_store *store, const char *id, const char *owner, rbx_error *err)
{
    if (end_lease(store, id, owner,
                  "UPDATE jobs SET status = 'queued', started_at = NULL, runs = runs - 1,"
                  " lease_owner = NULL, lease_expires_at = NULL"
                  " WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
                  err) < 0)
        return -1;
    return wake_workers(store, err); /* outside a transaction: sent at once */
}

/* ---- callbacks ------------------------------------------------------------ */

void rbx_job_delivery_clear(rbx_job_delivery *d)
{
    free(d->url);
    free(d->body);
    free(d->request);
    memset(d, 0, sizeof(*d));
}

#define DELIVERY_CLAIM_SQL(lock)                                                                   \
    "UPDATE jobs SET callback_next_attempt_at = ?1 + ?2"                                           \
    " WHERE id = (SELECT id FROM jobs WHERE callback_next_attempt_at <= ?1"                        \
    "   ORDER BY callback_next_attempt_at LIMIT 1" lock ")"                                        \
    " RETURNING id, callback_url, result, callback_attempts,"                                      \
    "   (SELECT signing_secret FROM api_keys WHERE api_keys.id = jobs.key_id), request"

/* As claim_sql: locked and skipped on PostgreSQL. */
static const char *delivery_claim_sql(rbx_store *store)
{
    if (rbx_store_dialect(store) == RBX_DIALECT_POSTGRES)
        return DELIVERY_CLAIM_SQL(" FOR UPDATE SKIP LOCKED");
    return DELIVERY_CLAIM_SQL("");
}

int rbx_jobs_delivery_claim(rbx_store *store, int hold_ms, rbx_job_delivery *out, bool *claimed,
                            rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    *claimed = false;
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, delivery_claim_sql(store), &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, now_ms());
    rbx_stmt_bind_int64(stmt, 2, hold_ms);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW) {
        snprintf(out->id, sizeof(out->id), "%s", rbx_stmt_column_text(stmt, 0));
        out->url = column_strdup(stmt, 1);
        out->body = column_strdup(stmt, 2);
        out->attempts = rbx_stmt_column_int(stmt, 3);
        const char *secret = rbx_stmt_column_text(stmt, 4);
        snprintf(out->signing_secret, sizeof(out->signing_secret), "%s", secret ? secret : "");
        out->request = column_strdup(stmt, 5);
        *claimed = out->url && out->body;
        rc = rbx_stmt_step(stmt);
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE) {
        rbx_job_delivery_clear(out);
        *claimed = false;
        return rbx_store_sql_error(store, err, "claiming a callback delivery");
    }
    return 0;
}

int rbx_jobs_delivery_record(rbx_store *store, const char *id, long http_status, bool delivered,
                             int64_t retry_in_ms, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET callback_attempts = callback_attempts + 1,"
                          " callback_last_status = ?2,"
                          " callback_delivered_at = CASE WHEN ?3 <> 0 THEN ?4 ELSE NULL END,"
                          " callback_next_attempt_at = CASE WHEN ?3 <> 0 OR ?5 <= 0 THEN NULL"
                          "   ELSE ?4 + ?5 END"
                          " WHERE id = ?1",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_opt_int64(stmt, 2, http_status > 0, http_status);
    rbx_stmt_bind_int64(stmt, 3, delivered);
    rbx_stmt_bind_int64(stmt, 4, now_ms());
    rbx_stmt_bind_int64(stmt, 5, retry_in_ms);
    return step_done(store, stmt, "recording a callback attempt", err);
}

int rbx_jobs_delivery_defer(rbx_store *store, const char *id, int64_t in_ms, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "UPDATE jobs SET callback_next_attempt_at = ?2 + ?3"
                          " WHERE id = ?1 AND callback_next_attempt_at IS NOT NULL",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_stmt_bind_int64(stmt, 2, now_ms());
    rbx_stmt_bind_int64(stmt, 3, in_ms);
    return step_done(store, stmt, "deferring a callback delivery", err);
}

int rbx_jobs_next_delivery_in(rbx_store *store, int64_t *in_ms, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT min(callback_next_attempt_at) FROM jobs", &stmt, err) < 0)
        return -1;
    int rc = rbx_stmt_step(stmt);
    *in_ms = -1;
    if (rc == RBX_STEP_ROW && !rbx_stmt_column_null(stmt, 0)) {
        int64_t due = rbx_stmt_column_int64(stmt, 0) - now_ms();
        *in_ms = due > 0 ? due : 0;
    }
    rbx_stmt_finalize(stmt);
    return rc == RBX_STEP_ROW ? 0 : rbx_store_sql_error(store, err, "reading callback due times");
}
