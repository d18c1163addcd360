#include "worker/daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/slots.h"
#include "common/wake.h"
#include "engine/native.h"
#include "engine/report.h"
#include "store/jobs.h"
#include "worker/deliver.h"

/* The daemon owns its user (the log): messages go to stderr, which systemd
 * and scripts/quickstart collect. */
#define LOG(...) fprintf(stderr, "runbox-worker: " __VA_ARGS__)

/* The one clock (common/clock.h), in the signed type the deadlines here use. */
static long long monotonic_ms(void)
{
    return (long long)rbx_clock_ms();
}

/* How often a running job's lease is renewed and its row checked for a
 * cancel: the poll interval (a cancel takes effect that fast), and always
 * well inside the lease. */
static long check_interval_ms(const rbx_config *cfg)
{
    long third_of_lease = (long)cfg->jobs_lease_seconds * 1000 / 3;
    return cfg->jobs_poll_interval_ms < third_of_lease ? cfg->jobs_poll_interval_ms
                                                       : third_of_lease;
}

/* A job child that was killed, or died, leaves its run dir (the submission
 * inside): remove the dirs of every run that is over. */
static void sweep_run_dirs(rbx_worker *w)
{
    rbx_error err;
    int removed = 0;
    if (rbx_engine_sweep_run_dirs(w->cfg, &removed, &err) < 0)
        LOG("removing dead runs' dirs: %s\n", err.message);
    else if (removed > 0)
        LOG("removed %d run dirs of dead runs\n", removed);
}

/* ---- setup ---------------------------------------------------------------- */

static int open_signals(rbx_worker *w, rbx_error *err)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return rbx_error_errno(err, "blocking SIGTERM and SIGINT");
    w->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (w->sigfd < 0)
        return rbx_error_errno(err, "signalfd");
    return 0;
}

int rbx_worker_init(rbx_worker *w, const rbx_config *cfg, rbx_engine *eng, rbx_store *store,
                    rbx_error *err)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->engine = eng;
    w->store = store;
    w->sigfd = -1;
    w->wake.fd = -1;
    w->metrics.fd = -1;
    char host[64];
    rbx_config_host_name(cfg, host, sizeof(host));
    snprintf(w->owner, sizeof(w->owner), "%s:%d:%08x", host, (int)getpid(), randombytes_random());
    if ((size_t)snprintf(w->slots_dir, sizeof(w->slots_dir), "%s/slots", cfg->state_dir) >=
        sizeof(w->slots_dir))
        return rbx_error_internal(err, "state_dir is too long");
    if (rbx_slots_prepare(w->slots_dir, err) < 0)
        return -1;
    w->runs = calloc((size_t)cfg->worker_concurrency, sizeof(*w->runs));
    if (!w->runs)
        return rbx_error_errno(err, "run table");
    for (int i = 0; i < cfg->worker_concurrency; i++)
        w->runs[i].fd = -1;
    sweep_run_dirs(w);
    /* A nudge from runbox-fcgi when a job is queued; without one, the poll. */
    rbx_error wake_err;
    if (rbx_wake_listen(cfg->state_dir, &w->wake, &wake_err) < 0)
        LOG("no wake socket, polling only: %s\n", wake_err.message);
    rbx_error merr;
    if (rbx_metrics_open(&w->metrics, cfg->state_dir, &merr) < 0)
        LOG("no metrics: %s\n", merr.message);
    /* Signals first: the delivery thread inherits their blocked mask. */
    if (open_signals(w, err) < 0)
        return -1;
    return rbx_deliverer_start(cfg, &w->deliverer, err);
}

void rbx_worker_fini(rbx_worker *w)
{
    rbx_deliverer_stop(w->deliverer);
    w->deliverer = NULL;
    rbx_wake_close(&w->wake);
    rbx_metrics_close(&w->metrics);
    if (w->sigfd >= 0)
        close(w->sigfd);
    free(w->runs);
    w->runs = NULL;
}

/* ---- results -------------------------------------------------------------- */

/* A finished run as the store takes it: the record, the request's facts
 * and the answer's text (owned). */
typedef struct job_result {
    rbx_run_record rec;
    rbx_run_input in;
    char *answer;
} job_result;

/* The answer and record for a run the service could not carry out, written
 * by the one native writer from a failure report. */
static int internal_error_result(const rbx_job *job, const char *message, job_result *out)
{
    rbx_report rep;
    json_object *answer = NULL;
    if (rbx_report_failure(&rep, job->id, out->in.language, message) == 0) {
        answer = rbx_native_execute(&rep, false);
        rbx_native_record(&rep, &out->rec);
        snprintf(out->rec.request_id, sizeof(out->rec.request_id), "%s", job->request_id);
    }
    rbx_report_free(&rep);
    out->answer =
        answer ? strdup(json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN)) : NULL;
    json_object_put(answer);
    return out->answer ? 0 : -1;
}

/* /metrics counts the run from its typed record. */
static void count_job(rbx_metrics *m, const rbx_run_record *rec)
{
    if (m->block)
        rbx_metrics_add(&m->block->jobs_run, 1);
    rbx_metrics_count_run(m, rec->language[0] ? rec->language : "unknown",
                          rec->status[0] ? rec->status : "unknown", false, 0,
                          (uint64_t)rec->wall_time_ms);
}

static void finish_job(rbx_worker *w, const rbx_job *job, const job_result *r)
{
    rbx_error err;
    bool finished;
    if (!r->answer)
        LOG("job %s: no answer to store (out of memory)\n", job->id);
    else if (rbx_jobs_finish(w->store, job, w->owner, &r->in, &r->rec, r->answer, &finished, &err) <
             0)
        LOG("job %s: storing the result failed: %s\n", job->id, err.message);
    else if (!finished)
        LOG("job %s: lease lost before the result was stored; another worker owns it\n", job->id);
    else
        count_job(&w->metrics, &r->rec);
}

/* What the request said, for the history record (borrowed from the job). */
static void result_init(job_result *r, const rbx_job *job)
{
    memset(r, 0, sizeof(*r));
    rbx_run_input_of_body(job->request, &r->in);
}

static void complete_run(rbx_worker *w, rbx_run *run)
{
    job_result r;
    rbx_error err;
    rbx_error_clear(&err);
    result_init(&r, &run->job);
    if (rbx_run_collect(run, &r.rec, &r.answer, &err) == 0) {
        finish_job(w, &run->job, &r);
    } else if (rbx_error_is_transient(&err)) { /* no capacity now: back to the queue */
        rbx_error release_err;
        if (rbx_jobs_release(w->store, run->job.id, w->owner, &release_err) < 0)
            LOG("job %s: release failed: %s\n", run->job.id, release_err.message);
    } else {
        LOG("job %s: %s\n", run->job.id, err.message);
        internal_error_result(&run->job, err.message, &r);
        finish_job(w, &run->job, &r);
        sweep_run_dirs(w);
    }
    free(r.answer);
    rbx_run_clear(run);
    w->next_poll_ms = 0;              /* a slot is free: look now */
    rbx_deliverer_wake(w->deliverer); /* and its callback may be due */
}

/* ---- claiming ------------------------------------------------------------- */

static rbx_run *free_slot(rbx_worker *w)
{
    for (int i = 0; i < w->cfg->worker_concurrency; i++)
        if (w->runs[i].pid == 0)
            return &w->runs[i];
    return NULL;
}

static int active_runs(const rbx_worker *w)
{
    int n = 0;
    for (int i = 0; i < w->cfg->worker_concurrency; i++)
        n += w->runs[i].pid != 0;
    return n;
}

/* A job that has already taken RBX_JOB_MAX_RUNS workers down ends here. */
static void give_up_on(rbx_worker *w, rbx_job *job)
{
    char message[160];
    snprintf(message, sizeof(message), "the job's run stopped its worker %d times; not retried",
             job->runs - 1);
    LOG("job %s: %s\n", job->id, message);
    job_result r;
    result_init(&r, job);
    internal_error_result(job, message, &r);
    finish_job(w, job, &r);
    free(r.answer);
    rbx_job_clear(job);
}

static void start_or_release(rbx_worker *w, rbx_run *slot, rbx_job *job, long long now)
{
    rbx_error err;
    if (rbx_run_start(w->engine, w->cfg, w->slots_dir, job, slot, &err) < 0) {
        LOG("job %s: cannot start: %s\n", job->id, err.message);
        if (rbx_jobs_release(w->store, job->id, w->owner, &err) < 0)
            LOG("job %s: release failed: %s\n", job->id, err.message);
        rbx_job_clear(job);
        return;
    }
    slot->next_check_ms = now + check_interval_ms(w->cfg);
}

static void claim_jobs(rbx_worker *w, long long now)
{
    rbx_run *slot;
    while ((slot = free_slot(w))) {
        rbx_job job;
        bool claimed;
        rbx_error err;
        if (rbx_jobs_claim(w->store, w->owner, w->cfg->jobs_lease_seconds, &job, &claimed, &err) <
            0) {
            LOG("claiming: %s\n", err.message);
            return;
        }
        if (!claimed)
            return;
        if (job.runs > RBX_JOB_MAX_RUNS)
            give_up_on(w, &job);
        else
            start_or_release(w, slot, &job, now);
    }
}

/* ---- running jobs --------------------------------------------------------- */

static void check_run(rbx_worker *w, rbx_run *run, long long now)
{
    bool owned, cancel;
    rbx_error err;
    run->next_check_ms = now + check_interval_ms(w->cfg);
    if (rbx_jobs_renew(w->store, run->job.id, w->owner, w->cfg->jobs_lease_seconds, &owned, &cancel,
                       &err) < 0) {
        LOG("job %s: lease renewal failed: %s\n", run->job.id, err.message);
        return; /* the lease has slack: try again next time */
    }
    if (owned && !cancel)
        return;
    rbx_run_kill(run);
    if (!owned)
        LOG("job %s: lease lost; stopped this run\n", run->job.id);
    else if (rbx_jobs_mark_cancelled(w->store, run->job.id, w->owner, &err) < 0)
        LOG("job %s: marking cancelled failed: %s\n", run->job.id, err.message);
    rbx_run_clear(run);
    sweep_run_dirs(w);
    w->next_poll_ms = 0;
}

static void release_all(rbx_worker *w)
{
    for (int i = 0; i < w->cfg->worker_concurrency; i++) {
        rbx_run *run = &w->runs[i];
        if (run->pid == 0)
            continue;
        rbx_error err;
        rbx_run_kill(run);
        if (rbx_jobs_release(w->store, run->job.id, w->owner, &err) < 0)
            LOG("job %s: release failed: %s\n", run->job.id, err.message);
        else
            LOG("job %s: given back to the queue\n", run->job.id);
        rbx_run_clear(run);
    }
    sweep_run_dirs(w);
}

/* ---- the loop ------------------------------------------------------------- */

static void on_signal(rbx_worker *w, long long now)
{
    struct signalfd_siginfo si;
    while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (!w->stopping) {
            LOG("stopping: %d jobs in flight may finish within %d ms\n", active_runs(w),
                RBX_WORKER_STOP_GRACE_MS);
            w->stopping = true;
            w->stop_deadline_ms = now + RBX_WORKER_STOP_GRACE_MS;
        } else {
            w->stop_deadline_ms = now;
        }
    }
}

static int poll_timeout(const rbx_worker *w, long long now)
{
    long long wake = w->stopping ? w->stop_deadline_ms : w->next_poll_ms;
    for (int i = 0; i < w->cfg->worker_concurrency; i++)
        if (w->runs[i].pid != 0 && w->runs[i].next_check_ms < wake)
            wake = w->runs[i].next_check_ms;
    return wake <= now ? 0 : (int)(wake - now);
}

static void read_runs(rbx_worker *w, struct pollfd *fds, const int *slot_of, int n)
{
    for (int i = 2; i < n; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        rbx_run *run = &w->runs[slot_of[i]];
        rbx_error err;
        int rc = rbx_run_read(run, &err);
        if (rc < 0) {
            LOG("job %s: %s\n", run->job.id, err.message);
            rbx_run_kill(run);
        }
        if (rc != 0)
            complete_run(w, run);
    }
}

/* The store's wake-up descriptor (PostgreSQL: a NOTIFY when a job is
 * queued), -1 when it has none; wake-ups already waiting claim at once. */
static int wake_fd(rbx_worker *w)
{
    rbx_error err;
    rbx_error_clear(&err);
    int fd = rbx_jobs_wake_fd(w->store, &err);
    if (fd < 0 && err.message[0])
        LOG("listening for queued jobs: %s\n", err.message);
    if (rbx_jobs_wake_drain(w->store))
        w->next_poll_ms = 0;
    return fd;
}

static int wait_for_events(rbx_worker *w, long long now, rbx_error *err)
{
    /* worker_concurrency is at most 256 (common/config.c). */
    struct pollfd fds[258];
    int slot_of[258], n = 2;
    fds[0] = (struct pollfd){.fd = w->sigfd, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = w->wake.fd, .events = POLLIN}; /* -1: ignored by poll */
    for (int i = 0; i < w->cfg->worker_concurrency; i++) {
        if (w->runs[i].pid == 0 || w->runs[i].fd < 0)
            continue;
        fds[n] = (struct pollfd){.fd = w->runs[i].fd, .events = POLLIN};
        slot_of[n++] = i;
    }
    int n_runs = n, wake = w->stopping ? -1 : wake_fd(w);
    if (wake >= 0)
        fds[n++] = (struct pollfd){.fd = wake, .events = POLLIN};
    int ready = poll(fds, (nfds_t)n, poll_timeout(w, now));
    if (ready < 0 && errno != EINTR)
        return rbx_error_errno(err, "poll");
    if (ready <= 0)
        return 0;
    if (fds[0].revents & POLLIN)
        on_signal(w, monotonic_ms());
    if ((fds[1].revents & POLLIN) && rbx_wake_drain(&w->wake) > 0)
        w->next_poll_ms = 0; /* a job was queued: claim it now */
    if (n > n_runs && fds[n_runs].revents && rbx_jobs_wake_drain(w->store))
        w->next_poll_ms = 0;
    read_runs(w, fds, slot_of, n_runs);
    return 0;
}

int rbx_worker_loop(rbx_worker *w, rbx_error *err)
{
    LOG("ready as %s: %d concurrent jobs, store polled every %d ms\n", w->owner,
        w->cfg->worker_concurrency, w->cfg->jobs_poll_interval_ms);
    for (;;) {
        long long now = monotonic_ms();
        if (!w->stopping && now >= w->next_poll_ms) {
            claim_jobs(w, now);
            now = monotonic_ms();
            w->next_poll_ms = now + w->cfg->jobs_poll_interval_ms;
        }
        for (int i = 0; i < w->cfg->worker_concurrency; i++)
            if (w->runs[i].pid != 0 && now >= w->runs[i].next_check_ms)
                check_run(w, &w->runs[i], now);
        if (w->stopping && (active_runs(w) == 0 || now >= w->stop_deadline_ms))
            break;
        if (wait_for_events(w, now, err) < 0)
            return -1;
    }
    release_all(w);
    LOG("stopped\n");
    return 0;
}
