/* runbox-worker as a real process (with the stand-in engine of
 * fake_engine.c) against a real store: jobs run to done and into the
 * history, a callback is signed and retried until delivered, queued and
 * running jobs are cancelled, a SIGKILLed worker's job is finished once by
 * the next worker, SIGTERM gives jobs back, and two workers share a queue
 * with every job run exactly once. */
#include <check.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/wake.h"
#include "store/jobs.h"
#include "tests/unit/worker/receiver.h"
#include "worker/callback.h"
#include "tests/unit/support/check_main.h"

static char dir[64], db_path[128], conf_path[128], runs_log[128], worker_bin[4096];
static rbx_store *store;
static rbx_key_info key;

/* lease_seconds 0 leaves the default lease. */
static void write_config_with(int lease_seconds, int callback_timeout_ms, int per_destination)
{
    FILE *f = fopen(conf_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "[server]\nstate_dir = %s\nmax_concurrent_runs = 16\n"
            "[jobs]\npoll_interval_ms = 50\nworker_concurrency = 4\n",
            dir);
    if (lease_seconds > 0)
        fprintf(f, "lease_seconds = %d\n", lease_seconds);
    fprintf(f,
            "[callbacks]\ninitial_backoff_ms = 100\nmax_backoff_ms = 400\nmax_attempts = 5\n"
            "connect_timeout_ms = 1000\ntimeout_ms = %d\nper_destination = %d\n"
            "allow_networks = 127.0.0.1/32\n",
            callback_timeout_ms, per_destination);
    ck_assert_int_eq(fclose(f), 0);
}

static void write_config(void)
{
    write_config_with(5, 2000, 4);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/rbx-daemon-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db_path, sizeof(db_path), "%s/runbox.db", dir);
    snprintf(conf_path, sizeof(conf_path), "%s/runbox.conf", dir);
    snprintf(runs_log, sizeof(runs_log), "%s/runs.log", dir);
    write_config();
    /* The worker finds the store where rbx_config_store_path() puts it. */
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    unsetenv("RUNBOX_STATE_DIR");
    unsetenv("RUNBOX_CONFIG");
    ck_assert_msg(rbx_config_load(&cfg, conf_path, &err) == 0, "%s", err.message);
    rbx_config_store_path(&cfg, db_path, sizeof(db_path));
    ck_assert_msg(rbx_store_open(db_path, &store, &err) == 0, "%s", err.message);
    char secret[128];
    ck_assert_int_eq(rbx_store_key_create(store, "alice", secret, sizeof(secret), &key, &err), 0);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    snprintf(worker_bin, sizeof(worker_bin), "%s/runbox-worker-fake", dirname(self));
    setenv("RBX_FAKE_RUNS_LOG", runs_log, 1);
}

static void teardown(void)
{
    rbx_store_close(store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir); /* our own mkdtemp name */
    ck_assert_int_eq(system(cmd), 0);
}

static pid_t start_worker(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(worker_bin, worker_bin, "--config", conf_path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int stop_worker(pid_t pid, int sig)
{
    int status;
    kill(pid, sig);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void enqueue(int n, const char *sleep_ms, const char *callback_url, char ids[][40])
{
    rbx_job_new jobs[64];
    ck_assert_int_le(n, 64);
    for (int i = 0; i < n; i++) {
        jobs[i] = (rbx_job_new){.request = json_object_new_object(), .callback_url = callback_url};
        json_object_object_add(jobs[i].request, "language", json_object_new_string("fake"));
        json_object_object_add(jobs[i].request, "code", json_object_new_string(sleep_ms));
    }
    rbx_error err;
    ck_assert_msg(rbx_jobs_enqueue(store, "alice", key.id, jobs, (size_t)n, 1000, 0, &err) == 0,
                  "%s", err.message);
    for (int i = 0; i < n; i++) {
        strcpy(ids[i], jobs[i].id);
        json_object_put(jobs[i].request);
    }
}

/* The job's state; the caller clears it. */
static rbx_job_state state_of(const char *id)
{
    rbx_job_state state;
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_get(store, "alice", id, &state, &err), 0);
    return state;
}

static const char *field_str(json_object *obj, const char *key_name)
{
    json_object *v = NULL;
    json_object_object_get_ex(obj, key_name, &v);
    return v ? json_object_get_string(v) : "";
}

/* Wait until the job's status is `want`; fail after timeout_ms. */
static void await_status(const char *id, const char *want, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        rbx_job_state state = state_of(id);
        int done = strcmp(state.status, want) == 0;
        char status[32];
        snprintf(status, sizeof(status), "%s", state.status);
        rbx_job_state_clear(&state);
        if (done)
            return;
        ck_assert_msg(waited < timeout_ms, "job %s is %s, not %s after %d ms", id, status, want,
                      timeout_ms);
        usleep(20000);
    }
}

/* How many times the fake engine ran job id. */
static int runs_of(const char *id)
{
    FILE *f = fopen(runs_log, "r");
    if (!f)
        return 0;
    char line[64];
    int n = 0;
    while (fgets(line, sizeof(line), f))
        n += strncmp(line, id, 36) == 0;
    fclose(f);
    return n;
}

static int history_has(const char *id)
{
    rbx_history_row run;
    rbx_error err;
    if (rbx_store_history_get(store, "alice", id, &run, &err) < 0)
        return 0;
    rbx_history_row_free(&run);
    return 1;
}

START_TEST(test_jobs_run_to_done_with_history)
{
    char ids[8][40];
    enqueue(8, "10", NULL, ids);
    pid_t w = start_worker();
    for (int i = 0; i < 8; i++)
        await_status(ids[i], "done", 10000);
    int status = stop_worker(w, SIGTERM);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (int i = 0; i < 8; i++) {
        rbx_job_state state = state_of(ids[i]);
        json_object *result = json_tokener_parse(state.result);
        ck_assert_ptr_nonnull(result);
        ck_assert_str_eq(field_str(result, "output"), "slept\n");
        ck_assert_str_eq(field_str(result, "id"), ids[i]);
        ck_assert_int_gt(state.finished_at, 0);
        json_object_put(result);
        rbx_job_state_clear(&state);
        ck_assert_int_eq(runs_of(ids[i]), 1);
        ck_assert(history_has(ids[i]));
    }
}
END_TEST

START_TEST(test_callback_retried_until_delivered_and_signed)
{
    struct receiver r;
    int statuses[] = {500, 502, 200};
    receiver_start(&r, statuses, 3);
    char url[64], ids[1][40];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
    enqueue(1, "10", url, ids);
    pid_t w = start_worker();
    receiver_stop(&r); /* returns once the third request was answered */
    for (int waited = 0;; waited += 20) {
        rbx_job_state state = state_of(ids[0]);
        int delivered = state.callback_delivered_at > 0;
        rbx_job_state_clear(&state);
        if (delivered)
            break;
        ck_assert_msg(waited < 5000, "delivery not recorded");
        usleep(20000);
    }
    stop_worker(w, SIGTERM);
    rbx_job_state state = state_of(ids[0]);
    ck_assert_int_eq(state.callback_attempts, 3);
    ck_assert_int_eq(state.callback_last_status.value, 200);
    ck_assert_str_eq(r.bodies[2], state.result);
    char sig[RBX_SIGNATURE_SIZE], line[128];
    rbx_callback_sign(key.signing_secret, r.bodies[2], strlen(r.bodies[2]), sig);
    snprintf(line, sizeof(line), "X-Runbox-Signature: %s", sig);
    ck_assert_ptr_nonnull(strcasestr(r.heads[2], line));
    snprintf(line, sizeof(line), "X-Runbox-Delivery: %s", ids[0]);
    ck_assert_ptr_nonnull(strcasestr(r.heads[0], line));
    rbx_job_state_clear(&state);
}
END_TEST

static bool delivered(const char *id)
{
    rbx_job_state state = state_of(id);
    bool yes = state.callback_delivered_at > 0;
    rbx_job_state_clear(&state);
    return yes;
}

/* Receivers that hold every callback unanswered (for as long as the test
 * wants, inside a 30 s timeout) delay neither other jobs nor another
 * receiver's callback, and get at most per_destination attempts at once.
 * The old loop delivered inline: the plain jobs waited behind the first
 * held callback. */
START_TEST(test_slow_callbacks_hold_up_nothing)
{
    write_config_with(5, 30000, 3);
    struct holder slow;
    struct receiver fast;
    int ok[] = {200};
    holder_start(&slow);
    receiver_start(&fast, ok, 1);
    char slow_url[64], fast_url[64], slow_ids[5][40], plain_ids[10][40], fast_ids[1][40];
    snprintf(slow_url, sizeof(slow_url), "http://127.0.0.1:%d/slow", slow.port);
    snprintf(fast_url, sizeof(fast_url), "http://127.0.0.1:%d/fast", fast.port);
    enqueue(5, "10", slow_url, slow_ids);
    pid_t w = start_worker();
    for (int waited = 0; holder_accepted(&slow) == 0; waited += 10) {
        ck_assert_msg(waited < 10000, "no callback reached the slow receiver");
        usleep(10000);
    }
    enqueue(10, "10", NULL, plain_ids);
    enqueue(1, "10", fast_url, fast_ids);
    for (int i = 0; i < 10; i++)
        await_status(plain_ids[i], "done", 10000);
    receiver_stop(&fast); /* answered while every slow one is held */
    for (int waited = 0; !delivered(fast_ids[0]); waited += 20) {
        ck_assert_msg(waited < 5000, "the fast receiver's delivery not recorded");
        usleep(20000);
    }
    ck_assert_int_eq(holder_accepted(&slow), 3);
    holder_release(&slow);
    for (int i = 0; i < 5; i++)
        for (int waited = 0; !delivered(slow_ids[i]); waited += 20) {
            ck_assert_msg(waited < 10000, "slow callback %d not delivered after release", i);
            usleep(20000);
        }
    stop_worker(w, SIGTERM);
    holder_stop(&slow);
    ck_assert_int_eq(holder_accepted(&slow), 5);
}
END_TEST

START_TEST(test_cancel_queued_and_running)
{
    char queued[1][40], running[1][40];
    rbx_job_state state;
    rbx_error err;
    enqueue(1, "10", NULL, queued);
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", queued[0], &state, &err), 0);
    rbx_job_state_clear(&state);
    await_status(queued[0], "cancelled", 0);
    enqueue(1, "20000", NULL, running);
    pid_t w = start_worker();
    await_status(running[0], "running", 5000);
    while (runs_of(running[0]) == 0)
        usleep(10000);
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", running[0], &state, &err), 0);
    rbx_job_state_clear(&state);
    await_status(running[0], "cancelled", 3000);
    ck_assert_int_eq(waitpid(w, NULL, WNOHANG), 0); /* the worker lives on */
    stop_worker(w, SIGTERM);
    ck_assert_int_eq(runs_of(queued[0]), 0);
    ck_assert_int_eq(runs_of(running[0]), 1);
    ck_assert(!history_has(running[0]));
}
END_TEST

START_TEST(test_killed_worker_job_finishes_once)
{
    char ids[1][40];
    enqueue(1, "1500", NULL, ids);
    pid_t w1 = start_worker();
    while (runs_of(ids[0]) == 0)
        usleep(10000);
    stop_worker(w1, SIGKILL);
    pid_t w2 = start_worker();
    await_status(ids[0], "done", 15000); /* after the 5 s lease expires */
    stop_worker(w2, SIGTERM);
    ck_assert_int_eq(runs_of(ids[0]), 2);
    ck_assert(history_has(ids[0]));
}
END_TEST

/* With the default lease (short, renewed as a heartbeat), a job whose worker
 * was SIGKILLed runs again within 10 s; it waited out a 120 s lease before. */
START_TEST(test_default_lease_reruns_a_killed_job_soon)
{
    write_config_with(0, 2000, 4);
    char ids[1][40];
    enqueue(1, "20000", NULL, ids);
    pid_t w1 = start_worker();
    while (runs_of(ids[0]) == 0)
        usleep(10000);
    stop_worker(w1, SIGKILL);
    pid_t w2 = start_worker();
    for (int waited = 0; runs_of(ids[0]) < 2; waited += 20) {
        ck_assert_msg(waited < 10000, "the killed worker's job did not run again in 10 s");
        usleep(20000);
    }
    stop_worker(w2, SIGKILL);
}
END_TEST

/* With a poll interval of 30 s, a queued job still starts at once when
 * runbox-fcgi's nudge (common/wake.h) reaches the worker. */
START_TEST(test_a_nudge_claims_a_job_before_the_poll)
{
    FILE *f = fopen(conf_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "[server]\nstate_dir = %s\n[jobs]\npoll_interval_ms = 30000\n", dir);
    ck_assert_int_eq(fclose(f), 0);
    char wake_path[160];
    pid_t w = start_worker();
    snprintf(wake_path, sizeof(wake_path), "%s/wake/worker-%d", dir, (int)w);
    for (int waited = 0; access(wake_path, F_OK) != 0; waited += 10) {
        ck_assert_msg(waited < 5000, "no wake socket at %s", wake_path);
        usleep(10000);
    }
    usleep(300000); /* past the worker's first look at the queue */
    char ids[1][40];
    enqueue(1, "10", NULL, ids);
    rbx_wake_workers(dir);
    await_status(ids[0], "done", 10000);
    stop_worker(w, SIGTERM);
    ck_assert_int_ne(access(wake_path, F_OK), 0); /* removed at exit */
}
END_TEST

START_TEST(test_sigterm_gives_jobs_back)
{
    char ids[1][40];
    enqueue(1, "20000", NULL, ids);
    pid_t w = start_worker();
    while (runs_of(ids[0]) == 0)
        usleep(10000);
    kill(w, SIGTERM);
    usleep(100000);
    int status = stop_worker(w, SIGTERM); /* the second one: give back at once */
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    await_status(ids[0], "queued", 0);
    rbx_job_state state;
    rbx_error err;
    ck_assert_int_eq(rbx_jobs_cancel(store, "alice", ids[0], &state, &err), 0);
    rbx_job_state_clear(&state);
}
END_TEST

START_TEST(test_two_workers_share_the_queue)
{
    static char ids[60][40];
    enqueue(60, "20", NULL, ids);
    pid_t a = start_worker(), b = start_worker();
    for (int i = 0; i < 60; i++)
        await_status(ids[i], "done", 20000);
    stop_worker(a, SIGTERM);
    stop_worker(b, SIGTERM);
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(runs_of(ids[i]), 1);
        ck_assert(history_has(ids[i]));
    }
}
END_TEST

/* CPU ticks (user + system) the process has used. */
static long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    char *p = strrchr(buf, ')');
    long utime = 0, stime = 0;
    /* fields after the command: state(3) ... utime(14) stime(15) */
    ck_assert_int_eq(
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime, &stime), 2);
    return utime + stime;
}

START_TEST(test_idle_worker_costs_little_cpu)
{
    pid_t w = start_worker();
    usleep(500000); /* past start-up */
    long before = cpu_ticks(w);
    sleep(3);
    long used = cpu_ticks(w) - before;
    stop_worker(w, SIGTERM);
    double percent = 100.0 * (double)used / (double)sysconf(_SC_CLK_TCK) / 3.0;
    printf("idle worker, 50 ms poll: %ld ticks in 3 s (%.2f%% of one core)\n", used, percent);
    /* A loop that spins uses a whole core; a polling one, a few ticks (more
     * under the sanitizers or a loaded machine): the bound tells them apart. */
    ck_assert_msg(percent < 15.0, "idle worker used %.2f%% CPU", percent);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_jobs_run_to_done_with_history);
    tcase_add_test(tc, test_callback_retried_until_delivered_and_signed);
    tcase_add_test(tc, test_slow_callbacks_hold_up_nothing);
    tcase_add_test(tc, test_cancel_queued_and_running);
    tcase_add_test(tc, test_killed_worker_job_finishes_once);
    tcase_add_test(tc, test_default_lease_reruns_a_killed_job_soon);
    tcase_add_test(tc, test_a_nudge_claims_a_job_before_the_poll);
    tcase_add_test(tc, test_sigterm_gives_jobs_back);
    tcase_add_test(tc, test_two_workers_share_the_queue);
    tcase_add_test(tc, test_idle_worker_costs_little_cpu);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
