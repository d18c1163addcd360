/* Unit tests for store/jobs: the queue's states, ownership, back-pressure,
 * leases (expiry and reclaim), callback bookkeeping, and many processes
 * claiming from one database at once. On a real SQLite file in a temp dir,
 * then on a real PostgreSQL server (tests/unit/store/fixture.h). */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/jobs.h"
#include "tests/unit/store/fixture.h"

static fixture fx;
static rbx_store *store;
static rbx_key_info key;

static void setup(void)
{
    fixture_open(&fx);
    store = fx.store;
    rbx_error err;
    char secret_key[128];
    ck_assert_int_eq(
        rbx_store_key_create(store, "alice", secret_key, sizeof(secret_key), &key, &err), 0);
}

static void teardown(void)
{
    fixture_close(&fx);
    store = NULL;
}

static json_object *body(const char *code)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "language", json_object_new_string("python"));
    json_object_object_add(b, "code", json_object_new_string(code));
    return b;
}

/* Queue one job for alice; its id into id. */
static void enqueue_one(const char *code, const char *callback_url, char *id)
{
    rbx_job_new job = {.request = body(code), .callback_url = callback_url};
    rbx_error err;
    ck_assert_msg(rbx_jobs_enqueue(store, "alice", key.id, &job, 1, 1000, 0, &err) == 0, "%s",
                  err.message);
    json_object_put(job.request);
    strcpy(id, job.id);
}

static const char *status_of(const char *user, const char *id)
{
    static char status[32];
    rbx_job_state state;
    rbx_error err;
    if (rbx_jobs_get(store, user, id, &state, &err) < 0)
        return "absent";
    snprintf(status, sizeof(status), "%s", state.status);
    rbx_job_state_clear(&state);
    return status;
}

/* The record of job's run, as the worker's child hands it over. */
static rbx_run_record record_for(const rbx_job *job)
{
    rbx_run_record rec = make_record(job->id, "python", "success", 1, 2);
    snprintf(rec.request_id, sizeof(rec.request_id), "%s", job->request_id);
    return rec;
}

/* Finish job as owner with its record and answer. */
static int finish_as(rbx_store *s, const rbx_job *job, const char *owner, bool save_history,
                     bool *finished, rbx_error *err)
{
    rbx_run_input in = make_input("python", "x", 0);
    in.save_history = save_history;
    rbx_run_record rec = record_for(job);
    char *answer = make_answer(&rec);
    int rc = rbx_jobs_finish(s, job, owner, &in, &rec, answer, finished, err);
    free(answer);
    return rc;
}

START_TEST(test_enqueue_get_and_other_user)
{
    char id[RBX_JOB_ID_SIZE];
    enqueue_one("print(1)", NULL, id);
    ck_assert_int_eq(strlen(id), 36);
    ck_assert_str_eq(status_of("alice", id), "queued");
    rbx_job_state state, many[2];
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_get(store, "bob", id, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_jobs_cancel(store, "bob", id, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_str_eq(status_of("alice", id), "queued");
    const char *ids[] = {id, "00000000-0000-0000-0000-000000000000"};
    ck_assert_int_eq(rbx_jobs_get_many(store, "alice", ids, 2, many, &err), 0);
    ck_assert(many[0].found);
    ck_assert_str_eq(many[0].status, "queued");
    ck_assert_int_gt(many[0].created_at, 0);
    ck_assert_int_eq(many[0].started_at, -1);
    ck_assert_ptr_null(many[0].result);
    ck_assert(!many[1].found);
    ck_assert_str_eq(many[1].id, ids[1]);
    rbx_job_state_clear(&many[0]);
    rbx_job_state_clear(&many[1]);
}
END_TEST

START_TEST(test_queue_bound_refuses_whole_batch)
{
    rbx_job_new jobs[3];
    for (int i = 0; i < 3; i++)
        jobs[i] = (rbx_job_new){.request = body("x")};
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 2, 4, 0, &err), 0);
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 3, 4, 0, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_BUSY);
    ck_assert_int_gt(err.retry_after, 0);
    int64_t pending;
    ck_assert_int_eq(rbx_jobs_count_pending(store, &pending, &err), 0);
    ck_assert_int_eq(pending, 2); /* nothing of the refused batch was stored */
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 2, 4, 0, &err), 0);
    for (int i = 0; i < 3; i++)
        json_object_put(jobs[i].request);
}
END_TEST

/* One key's share of the queue: past it 429, while another key still queues. */
START_TEST(test_key_share_of_the_queue)
{
    rbx_job_new jobs[3];
    for (int i = 0; i < 3; i++)
        jobs[i] = (rbx_job_new){.request = body("x")};
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 2, 100, 3, &err), 0);
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 2, 100, 3, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_RATE_LIMITED);
    ck_assert_int_gt(err.retry_after, 0);
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, 1, 100, 3, &err), 0);
    ck_assert_int_eq(rbx_jobs_enqueue(store, "bob", key.id + 1000, jobs, 3, 100, 3, &err), 0);
    for (int i = 0; i < 3; i++)
        json_object_put(jobs[i].request);
}
END_TEST

START_TEST(test_claim_finish_once_and_history)
{
    char first[RBX_JOB_ID_SIZE], second[RBX_JOB_ID_SIZE];
    enqueue_one("a", NULL, first);
    enqueue_one("b", NULL, second);
    rbx_job job;
    bool claimed, finished, owned, cancel;
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_str_eq(job.id, first); /* oldest first */
    ck_assert_int_eq(job.runs, 1);
    ck_assert_str_eq(job.user, "alice");
    ck_assert_str_eq(status_of("alice", first), "running");
    ck_assert_int_eq(rbx_jobs_renew(store, job.id, "w2", 60, &owned, &cancel, &err), 0);
    ck_assert(!owned);
    ck_assert_int_eq(rbx_jobs_renew(store, job.id, "w1", 60, &owned, &cancel, &err), 0);
    ck_assert(owned && !cancel);
    ck_assert_int_eq(finish_as(store, &job, "w2", true, &finished, &err), 0);
    ck_assert(!finished);
    ck_assert_int_eq(finish_as(store, &job, "w1", true, &finished, &err), 0);
    ck_assert(finished);
    ck_assert_int_eq(finish_as(store, &job, "w1", true, &finished, &err), 0);
    ck_assert(!finished); /* a job ends once */
    ck_assert_str_eq(status_of("alice", first), "done");
    rbx_history_row run;
    ck_assert_msg(rbx_store_history_get(store, "alice", first, &run, &err) == 0, "%s", err.message);
    ck_assert_str_eq(run.status, "success");
    rbx_history_row_free(&run);
    rbx_job_state state;
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", first, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_CONFLICT);
    rbx_job_clear(&job);
}
END_TEST

/* The POST that queued a job is named in its run's history record. */
START_TEST(test_request_id_goes_from_enqueue_to_history)
{
    rbx_job_new new_job = {.request = body("print(1)"),
                           .request_id = "feedfacefeedfacefeedfacefeedface"};
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, &new_job, 1, 1000, 0, &err), 0);
    json_object_put(new_job.request);
    rbx_job job;
    bool claimed, finished;
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_str_eq(job.request_id, "feedfacefeedfacefeedfacefeedface");
    ck_assert_int_eq(finish_as(store, &job, "w1", true, &finished, &err), 0);
    ck_assert(finished);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(store, "alice", job.id, &run, &err), 0);
    ck_assert_str_eq(run.request_id, "feedfacefeedfacefeedfacefeedface");
    rbx_history_row_free(&run);
    rbx_job_clear(&job);
}
END_TEST

START_TEST(test_expired_lease_is_reclaimed)
{
    char id[RBX_JOB_ID_SIZE];
    enqueue_one("a", NULL, id);
    rbx_job job, again;
    bool claimed, finished;
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_claim(store, "dead", 1, &job, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_int_eq(rbx_jobs_claim(store, "w2", 60, &again, &claimed, &err), 0);
    ck_assert(!claimed); /* a live lease is not taken over */
    usleep(1100 * 1000);
    ck_assert_int_eq(rbx_jobs_claim(store, "w2", 60, &again, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_str_eq(again.id, id);
    ck_assert_int_eq(again.runs, 2);
    ck_assert_int_eq(finish_as(store, &job, "dead", false, &finished, &err), 0);
    ck_assert(!finished); /* the dead worker's late finish changes nothing */
    ck_assert_int_eq(finish_as(store, &again, "w2", false, &finished, &err), 0);
    ck_assert(finished);
    rbx_history_row run;
    ck_assert_int_eq(rbx_store_history_get(store, "alice", id, &run, &err),
                     -1); /* save_history false */
    rbx_job_clear(&job);
    rbx_job_clear(&again);
}
END_TEST

START_TEST(test_cancel_queued_and_running_and_release)
{
    char queued[RBX_JOB_ID_SIZE], running[RBX_JOB_ID_SIZE], third[RBX_JOB_ID_SIZE];
    enqueue_one("a", NULL, running);
    enqueue_one("b", NULL, queued);
    enqueue_one("c", NULL, third);
    rbx_job job, job3;
    bool claimed, owned, cancel;
    rbx_error err;
    rbx_job_state state;
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job, &claimed, &err), 0);
    ck_assert_str_eq(job.id, running);
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", queued, &state, &err), 0);
    rbx_job_state_clear(&state);
    ck_assert_str_eq(status_of("alice", queued), "cancelled");
    /* A running job is cancelled at once, as DELETE answers; its worker
     * learns it at its next renewal, and cannot store a result after. */
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", running, &state, &err), 0);
    ck_assert_str_eq(state.status, "cancelled");
    rbx_job_state_clear(&state);
    ck_assert_str_eq(status_of("alice", running), "cancelled");
    ck_assert_int_eq(rbx_jobs_renew(store, running, "w1", 60, &owned, &cancel, &err), 0);
    ck_assert(owned && cancel);
    bool finished = true;
    ck_assert_int_eq(finish_as(store, &job, "w1", false, &finished, &err), 0);
    ck_assert(!finished);
    ck_assert_int_eq(rbx_jobs_mark_cancelled(store, running, "w1", &err), 0);
    ck_assert_str_eq(status_of("alice", running), "cancelled");
    /* The cancelled queued job is never claimed; the third is, and can be released. */
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job3, &claimed, &err), 0);
    ck_assert_str_eq(job3.id, third);
    ck_assert_int_eq(rbx_jobs_release(store, third, "w1", &err), 0);
    ck_assert_str_eq(status_of("alice", third), "queued");
    rbx_job_clear(&job3);
    ck_assert_int_eq(rbx_jobs_claim(store, "w2", 60, &job3, &claimed, &err), 0);
    ck_assert_str_eq(job3.id, third);
    ck_assert_int_eq(job3.runs, 1); /* a release is not a run */
    rbx_job_clear(&job3);
    rbx_job_clear(&job);
}
END_TEST

START_TEST(test_callback_bookkeeping)
{
    char id[RBX_JOB_ID_SIZE];
    enqueue_one("a", "http://127.0.0.1:9/hook", id);
    rbx_job job;
    rbx_job_delivery d;
    bool claimed, finished;
    rbx_error err;
    int64_t in_ms;
    ck_assert_int_eq(rbx_jobs_delivery_claim(store, 1000, &d, &claimed, &err), 0);
    ck_assert(!claimed); /* not done yet: nothing to deliver */
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job, &claimed, &err), 0);
    ck_assert_int_eq(finish_as(store, &job, "w1", false, &finished, &err), 0);
    rbx_run_record rec = record_for(&job);
    char *answer = make_answer(&rec);
    ck_assert_int_eq(rbx_jobs_next_delivery_in(store, &in_ms, &err), 0);
    ck_assert_int_eq(in_ms, 0);
    ck_assert_int_eq(rbx_jobs_delivery_claim(store, 60000, &d, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_str_eq(d.id, id);
    ck_assert_str_eq(d.url, "http://127.0.0.1:9/hook");
    ck_assert_str_eq(d.signing_secret, key.signing_secret);
    ck_assert_str_eq(d.body, answer); /* the answer's text as its writer produced it */
    rbx_job_delivery d2;
    ck_assert_int_eq(rbx_jobs_delivery_claim(store, 60000, &d2, &claimed, &err), 0);
    ck_assert(!claimed); /* held by the first claim */
    ck_assert_int_eq(rbx_jobs_delivery_record(store, id, 500, false, 1, &err), 0);
    usleep(5000);
    ck_assert_int_eq(rbx_jobs_delivery_claim(store, 60000, &d2, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_int_eq(d2.attempts, 1);
    ck_assert_int_eq(rbx_jobs_delivery_record(store, id, 200, true, 0, &err), 0);
    ck_assert_int_eq(rbx_jobs_next_delivery_in(store, &in_ms, &err), 0);
    ck_assert_int_eq(in_ms, -1);
    rbx_job_state state;
    ck_assert_int_eq(rbx_jobs_get(store, "alice", id, &state, &err), 0);
    ck_assert(state.has_callback);
    ck_assert_int_eq(state.callback_attempts, 2);
    ck_assert(state.callback_last_status.set);
    ck_assert_int_eq(state.callback_last_status.value, 200);
    ck_assert_int_gt(state.callback_delivered_at, 0);
    ck_assert_str_eq(state.result, answer);
    rbx_job_state_clear(&state);
    free(answer);
    rbx_job_delivery_clear(&d);
    rbx_job_delivery_clear(&d2);
    rbx_job_clear(&job);
}
END_TEST

/* ---- many processes claiming at once -------------------------------------- */

#define N_JOBS 120
#define N_CLAIMERS 6

/* One claimer process: its own connection, claims until the queue is empty,
 * finishes each job, writes each claimed id on its own line to fd. */
static void claimer(int index, int fd)
{
    rbx_store *own;
    rbx_error err;
    char owner[16];
    snprintf(owner, sizeof(owner), "w%d", index);
    if (rbx_store_open(fx.path, &own, &err) < 0)
        _exit(2);
    for (;;) {
        rbx_job job;
        bool claimed, finished;
        if (rbx_jobs_claim(own, owner, 60, &job, &claimed, &err) < 0)
            _exit(3);
        if (!claimed)
            break;
        if (finish_as(own, &job, owner, true, &finished, &err) < 0 || !finished)
            _exit(4);
        char line[64];
        int n = snprintf(line, sizeof(line), "%s\n", job.id);
        if (write(fd, line, (size_t)n) != n) /* under PIPE_BUF: one atomic write */
            _exit(5);
        rbx_job_clear(&job);
    }
    rbx_store_close(own);
    _exit(0);
}

START_TEST(test_concurrent_claimers_each_job_once)
{
    rbx_job_new jobs[N_JOBS];
    for (int i = 0; i < N_JOBS; i++)
        jobs[i] = (rbx_job_new){.request = body("x")};
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_enqueue(store, "alice", key.id, jobs, N_JOBS, 1000, 0, &err), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pids[N_CLAIMERS];
    for (int i = 0; i < N_CLAIMERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            close(fds[0]);
            claimer(i, fds[1]);
        }
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[64];
    int seen[N_JOBS] = {0}, lines = 0;
    while (fgets(line, sizeof(line), in)) {
        line[strcspn(line, "\n")] = '\0';
        lines++;
        for (int i = 0; i < N_JOBS; i++)
            if (strcmp(line, jobs[i].id) == 0)
                seen[i]++;
    }
    fclose(in);
    for (int i = 0; i < N_CLAIMERS; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "claimer %d: status %d", i,
                      status);
    }
    ck_assert_int_eq(lines, N_JOBS);
    for (int i = 0; i < N_JOBS; i++) {
        ck_assert_int_eq(seen[i], 1);
        ck_assert_str_eq(status_of("alice", jobs[i].id), "done");
        json_object_put(jobs[i].request);
    }
}
END_TEST

/* On PostgreSQL a queued job wakes a listening worker's connection; SQLite
 * has no wake-up descriptor (its workers poll). */
START_TEST(test_enqueue_wakes_listeners)
{
    rbx_store *listener;
    rbx_error err;
    ck_assert_msg(rbx_store_open(fx.path, &listener, &err) == 0, "%s", err.message);
    int fd = rbx_jobs_wake_fd(listener, &err);
    if (!fixture_postgres()) {
        ck_assert_int_eq(fd, -1);
        ck_assert(!rbx_jobs_wake_drain(listener));
        rbx_store_close(listener);
        return;
    }
    ck_assert_int_ge(fd, 0);
    ck_assert(!rbx_jobs_wake_drain(listener));
    char id[RBX_JOB_ID_SIZE];
    enqueue_one("print(1)", NULL, id);
    struct pollfd p = {.fd = rbx_jobs_wake_fd(listener, &err), .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 10000), 1);
    ck_assert(rbx_jobs_wake_drain(listener));
    ck_assert(!rbx_jobs_wake_drain(listener));
    rbx_store_close(listener);
}
END_TEST

static Suite *jobs_suite(bool postgres)
{
    Suite *s = suite_create(postgres ? "jobs (postgresql)" : "jobs");
    TCase *tc = tcase_create("core");
    fixture_backend(tc, postgres);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_enqueue_get_and_other_user);
    tcase_add_test(tc, test_queue_bound_refuses_whole_batch);
    tcase_add_test(tc, test_key_share_of_the_queue);
    tcase_add_test(tc, test_claim_finish_once_and_history);
    tcase_add_test(tc, test_request_id_goes_from_enqueue_to_history);
    tcase_add_test(tc, test_expired_lease_is_reclaimed);
    tcase_add_test(tc, test_cancel_queued_and_running_and_release);
    tcase_add_test(tc, test_callback_bookkeeping);
    tcase_add_test(tc, test_concurrent_claimers_each_job_once);
    tcase_add_test(tc, test_enqueue_wakes_listeners);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return fixture_run(jobs_suite);
}
