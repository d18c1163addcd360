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
    json_object *state, *s;
    rbx_error err;
    if (rbx_jobs_get(store, user, id, &state, &err) < 0)
        return "absent";
    json_object_object_get_ex(state, "status", &s);
    snprintf(status, sizeof(status), "%s", json_object_get_string(s));
    json_object_put(state);
    return status;
}

static json_object *result_for(const char *id)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "id", json_object_new_string(id));
    json_object_object_add(r, "status", json_object_new_string("success"));
    json_object *lang = json_object_new_object();
    json_object_object_add(lang, "id", json_object_new_string("python"));
    json_object_object_add(r, "language", lang);
    return r;
}

START_TEST(test_enqueue_get_and_other_user)
{
    char id[RBX_JOB_ID_SIZE];
    enqueue_one("print(1)", NULL, id);
    ck_assert_int_eq(strlen(id), 36);
    ck_assert_str_eq(status_of("alice", id), "queued");
    json_object *state;
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_get(store, "bob", id, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_jobs_cancel(store, "bob", id, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_str_eq(status_of("alice", id), "queued");
    const char *ids[] = {id, "00000000-0000-0000-0000-000000000000"};
    ck_assert_int_eq(rbx_jobs_get_many(store, "alice", ids, 2, &state, &err), 0);
    const char *text = json_object_to_json_string(state);
    ck_assert_ptr_nonnull(strstr(text, "\"not_found\""));
    ck_assert_ptr_nonnull(strstr(text, "\"queued\""));
    json_object_put(state);
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
    json_object *result = result_for(job.id);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "w2", result, true, &finished, &err), 0);
    ck_assert(!finished);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "w1", result, true, &finished, &err), 0);
    ck_assert(finished);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "w1", result, true, &finished, &err), 0);
    ck_assert(!finished); /* a job ends once */
    ck_assert_str_eq(status_of("alice", first), "done");
    json_object *run;
    ck_assert_msg(rbx_store_history_get(store, "alice", first, &run, &err) == 0, "%s", err.message);
    json_object_put(run);
    json_object *state;
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", first, &state, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_CONFLICT);
    json_object_put(result);
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
    json_object *result = result_for(id);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "dead", result, false, &finished, &err), 0);
    ck_assert(!finished); /* the dead worker's late finish changes nothing */
    ck_assert_int_eq(rbx_jobs_finish(store, &again, "w2", result, false, &finished, &err), 0);
    ck_assert(finished);
    json_object *run;
    ck_assert_int_eq(rbx_store_history_get(store, "alice", id, &run, &err),
                     -1); /* save_history false */
    json_object_put(result);
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
    json_object *state;
    ck_assert_int_eq(rbx_jobs_claim(store, "w1", 60, &job, &claimed, &err), 0);
    ck_assert_str_eq(job.id, running);
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", queued, &state, &err), 0);
    json_object_put(state);
    ck_assert_str_eq(status_of("alice", queued), "cancelled");
    /* A running job is cancelled at once, as DELETE answers; its worker
     * learns it at its next renewal, and cannot store a result after. */
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", running, &state, &err), 0);
    ck_assert_ptr_nonnull(strstr(json_object_to_json_string(state), "\"status\": \"cancelled\""));
    json_object_put(state);
    ck_assert_str_eq(status_of("alice", running), "cancelled");
    ck_assert_int_eq(rbx_jobs_renew(store, running, "w1", 60, &owned, &cancel, &err), 0);
    ck_assert(owned && cancel);
    bool finished = true;
    json_object *late = result_for(running);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "w1", late, false, &finished, &err), 0);
    ck_assert(!finished);
    json_object_put(late);
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
    json_object *result = result_for(id);
    ck_assert_int_eq(rbx_jobs_finish(store, &job, "w1", result, false, &finished, &err), 0);
    ck_assert_int_eq(rbx_jobs_next_delivery_in(store, &in_ms, &err), 0);
    ck_assert_int_eq(in_ms, 0);
    ck_assert_int_eq(rbx_jobs_delivery_claim(store, 60000, &d, &claimed, &err), 0);
    ck_assert(claimed);
    ck_assert_str_eq(d.id, id);
    ck_assert_str_eq(d.url, "http://127.0.0.1:9/hook");
    ck_assert_str_eq(d.signing_secret, key.signing_secret);
    ck_assert_str_eq(d.body, json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN));
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
    json_object *state, *cb, *v;
    ck_assert_int_eq(rbx_jobs_get(store, "alice", id, &state, &err), 0);
    ck_assert(json_object_object_get_ex(state, "callback", &cb));
    json_object_object_get_ex(cb, "attempts", &v);
    ck_assert_int_eq(json_object_get_int(v), 2);
    json_object_object_get_ex(cb, "last_http_status", &v);
    ck_assert_int_eq(json_object_get_int(v), 200);
    json_object_object_get_ex(cb, "delivered_at", &v);
    ck_assert(json_object_is_type(v, json_type_string));
    json_object_object_get_ex(state, "result", &v);
    ck_assert(json_object_is_type(v, json_type_object));
    json_object_put(state);
    json_object_put(result);
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
        json_object *result = result_for(job.id);
        if (rbx_jobs_finish(own, &job, owner, result, true, &finished, &err) < 0 || !finished)
            _exit(4);
        char line[64];
        int n = snprintf(line, sizeof(line), "%s\n", job.id);
        if (write(fd, line, (size_t)n) != n) /* under PIPE_BUF: one atomic write */
            _exit(5);
        json_object_put(result);
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
