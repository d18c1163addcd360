/* The async job queue, in the same SQLite store as keys and history.
 *
 * A job is one POST /execute/async (or one batch submission): the validated
 * request body, its owner and optional callback_url. Its life:
 *
 *   queued --claim--> running --finish--> done        (result kept for GET /tasks)
 *      |                 |  \--lease expires--> claimable again by any worker
 *      |                 \--cancel requested--> the worker kills it --> cancelled
 *      \--cancel--> cancelled
 *
 * A claim is a lease: the worker renews it while the run lasts; a worker that
 * dies leaves a lease that expires, and the next claim takes the job over.
 * Only the lease owner can finish, release or cancel a running job, so a late
 * finish from a worker that lost its lease changes nothing: each job ends once.
 *
 * Callbacks are bookkeeping on the job row: a due time (next_attempt_at), the
 * attempts made, the last HTTP status and delivered_at. Deliveries are claimed
 * like jobs (the due time is pushed past the delivery's timeout), so several
 * workers never deliver the same attempt twice, and a restart resumes them.
 *
 * Times are unix milliseconds. Every read takes the caller's user: another
 * user's job answers 404. */
#ifndef RBX_STORE_JOBS_H
#define RBX_STORE_JOBS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "store/store.h"

#define RBX_JOB_ID_SIZE 37 /* a UUID's 36 characters and the NUL */

/* Runs a job may get (claims after a worker died mid-run) before it is
 * finished as an internal_error instead: a job that kills its worker must not
 * take every worker down in turn. */
#define RBX_JOB_MAX_RUNS 3

/* ---- the API side --------------------------------------------------------- */

typedef struct rbx_job_new {
    json_object *request;     /* the validated body (borrowed); stored as JSON text */
    const char *callback_url; /* NULL when none */
    const char *request_id;   /* of the POST that queued it: the run's record keeps it; NULL none */
    char id[RBX_JOB_ID_SIZE]; /* out: the new job's id */
} rbx_job_new;

/* Queue n jobs for user (authenticated by key_id) in one transaction: all or
 * none. Past max_queued jobs waiting or running, 503 overloaded with
 * retry_after; past max_per_key of this key's (its share of the queue, 0 = no
 * share), 429 too_many_requests; either way nothing is stored. Returns once
 * committed. */
int rbx_jobs_enqueue(rbx_store *store, const char *user, int64_t key_id, rbx_job_new *jobs,
                     size_t n, int max_queued, int max_per_key, rbx_error *err);

/* A job's state, typed; the answer layer (fcgi/stored.h) writes GET
 * /tasks's JSON from it. Times are unix milliseconds, -1 when not yet. */
typedef struct rbx_job_state {
    bool found; /* false: absent or another user's (only id is set) */
    char id[RBX_JOB_ID_SIZE];
    char status[16]; /* queued, running, done, cancelled */
    int64_t created_at, started_at, finished_at;
    char *result; /* owned: the answer as its writer produced it, NULL until done */
    bool has_callback;
    int callback_attempts;
    rbx_opt_int callback_last_status;
    int64_t callback_delivered_at;
    bool cancel_requested;
} rbx_job_state;

void rbx_job_state_clear(rbx_job_state *state);

/* GET /tasks/{id}: 404 not_found when absent or another user's. */
int rbx_jobs_get(rbx_store *store, const char *user, const char *id, rbx_job_state *out,
                 rbx_error *err);

/* GET /tasks?ids=...: out[i] for ids[i] (n of them); found false for an id
 * that is absent or another user's. */
int rbx_jobs_get_many(rbx_store *store, const char *user, const char *const *ids, size_t n,
                      rbx_job_state *out, rbx_error *err);

/* DELETE /tasks/{id}: a queued job is cancelled at once; a running one gets a
 * cancel request its worker acts on (status turns cancelled when the run is
 * dead). *out is the state afterwards. 404 when absent or another user's; 409
 * conflict when already done. Cancelling a cancelled job is a no-op. */
int rbx_jobs_cancel(rbx_store *store, const char *user, const char *id, rbx_job_state *out,
                    rbx_error *err);

/* ---- the worker side ------------------------------------------------------ */

typedef struct rbx_job {
    char id[RBX_JOB_ID_SIZE];
    char user[128];
    int64_t key_id;
    json_object *request; /* owned: rbx_job_clear() releases it */
    char *callback_url;   /* owned, NULL when none */
    char request_id[40];  /* of the POST that queued it; "" when none */
    int runs;             /* claims so far, this one included */
} rbx_job;

void rbx_job_clear(rbx_job *job);

/* Claim the oldest queued job, or a running one whose lease expired, for
 * owner (a worker's unique name) for lease_seconds. *claimed false when
 * there is none. Running jobs whose worker died after a cancel request are
 * turned cancelled on the way. */
int rbx_jobs_claim(rbx_store *store, const char *owner, int lease_seconds, rbx_job *out,
                   bool *claimed, rbx_error *err);

/* Extend the lease: the heartbeat. A worker renews every
 * min(poll_interval_ms, lease_seconds/3), so a lease is short (6 s by default)
 * and a job whose worker died is claimable lease_seconds after its last
 * renewal. Any backend keeps this contract: claim and renew both set
 * lease_expires_at = now + lease_seconds, and claim takes a running job only
 * once that is past. *owned false when the job is no longer this owner's
 * (reclaimed after an expiry): the caller must stop running it.
 * *cancel_requested tells whether DELETE /tasks asked for it to end. */
int rbx_jobs_renew(rbx_store *store, const char *id, const char *owner, int lease_seconds,
                   bool *owned, bool *cancel_requested, rbx_error *err);

/* Store the result and end the job as done: answer (the /execute answer's
 * JSON text, as its writer produced it) is kept for GET /tasks and the
 * callback; rec and in are the run's record, added to the user's history
 * when in->save_history; the callback is scheduled when the job has one.
 * All in one transaction. *finished false when the lease was lost (another
 * worker owns the job now): nothing changed. */
int rbx_jobs_finish(rbx_store *store, const rbx_job *job, const char *owner,
                    const rbx_run_input *in, const rbx_run_record *rec, const char *answer,
                    bool *finished, rbx_error *err);

/* The run was killed on a cancel request: end the job as cancelled. */
int rbx_jobs_mark_cancelled(rbx_store *store, const char *id, const char *owner, rbx_error *err);

/* Give the job back to the queue (the worker is stopping). The run does not
 * count towards RBX_JOB_MAX_RUNS. */
int rbx_jobs_release(rbx_store *store, const char *id, const char *owner, rbx_error *err);

/* ---- callbacks ------------------------------------------------------------ */

typedef struct rbx_job_delivery {
    char id[RBX_JOB_ID_SIZE]; /* the job id, also the X-Runbox-Delivery id */
    char *url;                /* owned */
    char *body;               /* owned: the result JSON, exactly as signed */
    char *request;            /* owned: the job's request (its callback_format), NULL if unread */
    char signing_secret[80];  /* of the key that submitted the job */
    int attempts;             /* made before this one */
} rbx_job_delivery;

void rbx_job_delivery_clear(rbx_job_delivery *d);

/* Claim the most overdue callback delivery, holding it for hold_ms (longer
 * than one attempt can take) so no other worker picks it meanwhile. */
int rbx_jobs_delivery_claim(rbx_store *store, int hold_ms, rbx_job_delivery *out, bool *claimed,
                            rbx_error *err);

/* Record one attempt: http_status 0 when no answer. delivered ends the
 * deliveries; otherwise retry_in_ms > 0 schedules the next attempt and 0
 * gives up. */
int rbx_jobs_delivery_record(rbx_store *store, const char *id, long http_status, bool delivered,
                             int64_t retry_in_ms, rbx_error *err);

/* Put a claimed delivery back, due in in_ms, without counting an attempt:
 * its destination is at its limit, or the worker stops mid-attempt. */
int rbx_jobs_delivery_defer(rbx_store *store, const char *id, int64_t in_ms, rbx_error *err);

/* Milliseconds until the next callback is due (0 when one is due now, -1
 * when none is scheduled): lets the worker sleep exactly that long. */
int rbx_jobs_next_delivery_in(rbx_store *store, int64_t *in_ms, rbx_error *err);

/* ---- wake-ups ------------------------------------------------------------- */

/* On PostgreSQL a worker need not poll for new jobs: queueing one (or giving
 * one back) NOTIFYs every worker listening. rbx_jobs_wake_fd subscribes this
 * connection (first call) and returns the descriptor to poll for readable,
 * or -1 on SQLite, where workers poll every jobs_poll_interval_ms (they still
 * do on PostgreSQL, slower, for leases that expire without a notice). It may
 * change after a reconnect: ask before each poll. rbx_jobs_wake_drain takes
 * the waiting wake-ups: true when there was one (claim now). */
int rbx_jobs_wake_fd(rbx_store *store, rbx_error *err);
bool rbx_jobs_wake_drain(rbx_store *store);

/* Jobs waiting or running, for back-pressure and health. */
int rbx_jobs_count_pending(rbx_store *store, int64_t *count, rbx_error *err);

/* How many jobs the store holds in each state (for /metrics). */
typedef struct rbx_job_state_counts {
    int64_t queued, running, done, cancelled;
} rbx_job_state_counts;
int rbx_jobs_count_by_state(rbx_store *store, rbx_job_state_counts *out, rbx_error *err);

#endif
