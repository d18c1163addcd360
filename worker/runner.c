#include "worker/runner.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/io.h"
#include "common/slots.h"
#include "engine/native.h"

#define RUN_POOL "run" /* the host-wide pool runbox-fcgi takes too (common/slots.h) */

/* ---- the child ------------------------------------------------------------ */

/* What the child writes on its pipe: this header, then answer_len bytes of
 * the answer's JSON text as the native writer produced it. Both ends are
 * this build (the child is a fork), so the header travels as it is in
 * memory. */
typedef struct outcome_header {
    bool ok; /* false: err says why the run could not be carried out */
    rbx_error err;
    rbx_run_record rec; /* ok: the run's record */
    size_t answer_len;
} outcome_header;

/* Wait for a run slot as long as it takes: the job is ours (the parent keeps
 * its lease) and a cancel kills us wherever we are. */
static int take_run_slot(const rbx_config *cfg, const char *slots_dir, rbx_slot *slot,
                         rbx_error *err)
{
    int rc;
    while ((rc = rbx_slot_acquire(slots_dir, RUN_POOL, rbx_config_concurrent_runs(cfg), 1000, slot,
                                  err)) == 0)
        ;
    return rc < 0 ? -1 : 0;
}

/* A key slot held by a job's run: the host's slot file, or on a shared
 * (PostgreSQL) store one of the cluster's slots, through a connection of
 * the child's own (the worker's connection is not to be used from a fork). */
typedef struct key_hold {
    rbx_slot file;
    rbx_store *store;
    int64_t key_id;
    int slot;
} key_hold;

#define KEY_HOLD_NONE ((key_hold){.file = RBX_SLOT_NONE, .slot = -1})

static int take_cluster_key_slot(const rbx_config *cfg, const char *url, int64_t key_id,
                                 key_hold *hold, rbx_error *err)
{
    if (rbx_store_open(url, &hold->store, err) < 0)
        return -1;
    const struct timespec pause = {1, 0};
    int rc;
    while ((rc = rbx_store_key_slot_acquire(hold->store, key_id, rbx_config_runs_per_key(cfg),
                                            &hold->slot, err)) == 0)
        nanosleep(&pause, NULL);
    hold->key_id = key_id;
    return rc < 0 ? -1 : 0;
}

/* A job counts against its key's cap as a synchronous run does: the same
 * per-key pool (fcgi/fairness.c), waited for here rather than refused. */
static int take_key_slot(const rbx_config *cfg, const char *slots_dir, int64_t key_id,
                         key_hold *hold, rbx_error *err)
{
    char url[sizeof(cfg->store_url) + 64];
    rbx_config_store_path(cfg, url, sizeof(url));
    if (rbx_store_url_shared(url))
        return take_cluster_key_slot(cfg, url, key_id, hold, err);
    char pool[64];
    snprintf(pool, sizeof(pool), "key-%" PRId64, key_id);
    int rc;
    while ((rc = rbx_slot_acquire(slots_dir, pool, rbx_config_runs_per_key(cfg), 1000, &hold->file,
                                  err)) == 0)
        ;
    return rc < 0 ? -1 : 0;
}

static void release_key_slot(key_hold *hold)
{
    rbx_slot_release(&hold->file);
    if (hold->store) {
        rbx_store_key_slot_release(hold->store, hold->key_id, hold->slot);
        rbx_store_close(hold->store);
    }
    *hold = KEY_HOLD_NONE;
}

/* The run, as POST /execute does it: *answer is the answer's text (owned),
 * NULL with err when the service could not carry it out. */
static int execute(rbx_engine *eng, const rbx_config *cfg, const char *slots_dir,
                   const rbx_job *job, rbx_run_record *rec, char **answer, rbx_error *err)
{
    rbx_request *req = NULL;
    json_object *response = NULL;
    rbx_slot slot = RBX_SLOT_NONE;
    key_hold key_slot = KEY_HOLD_NONE;
    rbx_report report;
    rbx_report_init(&report, job->id, NULL, NULL);
    int rc = -1;
    if (rbx_request_parse(eng, job->request, true, &req, err) == 0 &&
        take_key_slot(cfg, slots_dir, job->key_id, &key_slot, err) == 0 &&
        take_run_slot(cfg, slots_dir, &slot, err) == 0) {
        rbx_report_free(&report); /* the engine inits it again */
        rc = rbx_engine_execute_report(eng, req, job->id, &report, &response, err);
    }
    rbx_slot_release(&slot);
    release_key_slot(&key_slot);
    if (rc == 0) {
        rbx_native_record(&report, rec);
        snprintf(rec->request_id, sizeof(rec->request_id), "%s", job->request_id);
        *answer = strdup(json_object_to_json_string_ext(response, JSON_C_TO_STRING_PLAIN));
        if (!*answer)
            rc = rbx_error_errno(err, "the job's answer");
    }
    json_object_put(response);
    rbx_report_free(&report);
    rbx_request_free(req);
    return rc;
}

static void child_main(rbx_engine *eng, const rbx_config *cfg, const char *slots_dir,
                       const rbx_job *job, int fd)
{
    /* Die with the worker; be a process group of our own so a cancel can
     * kill everything we started that did not leave it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    outcome_header h;
    memset(&h, 0, sizeof(h));
    char *answer = NULL;
    rbx_error_clear(&h.err);
    h.ok = execute(eng, cfg, slots_dir, job, &h.rec, &answer, &h.err) == 0;
    h.answer_len = answer ? strlen(answer) : 0;
    int rc = rbx_write_all(fd, &h, sizeof(h));
    if (rc == 0 && h.answer_len)
        rc = rbx_write_all(fd, answer, h.answer_len);
    free(answer);
    rbx_engine_release_boxes(eng);
    _exit(rc == 0 ? 0 : 1);
}

/* ---- the parent ----------------------------------------------------------- */

int rbx_run_start(rbx_engine *eng, const rbx_config *cfg, const char *slots_dir, rbx_job *job,
                  rbx_run *run, rbx_error *err)
{
    memset(run, 0, sizeof(*run));
    run->fd = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return rbx_error_errno(err, "pipe for a job run");
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return rbx_error_errno(err, "fork for a job run");
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(eng, cfg, slots_dir, job, fds[1]);
    }
    close(fds[1]);
    /* Also from this side: the group must exist before a kill can name it. */
    setpgid(pid, pid);
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
        int saved = errno;
        close(fds[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        errno = saved;
        return rbx_error_errno(err, "non-blocking job pipe");
    }
    run->pid = pid;
    run->fd = fds[0];
    run->job = *job;
    memset(job, 0, sizeof(*job));
    return 0;
}

static int grow(rbx_run *run, rbx_error *err)
{
    if (run->out_cap - run->out_len >= 4096)
        return 0;
    size_t cap = run->out_cap ? run->out_cap * 2 : 65536;
    char *out = realloc(run->out, cap);
    if (!out)
        return rbx_error_errno(err, "job output buffer");
    run->out = out;
    run->out_cap = cap;
    return 0;
}

int rbx_run_read(rbx_run *run, rbx_error *err)
{
    for (;;) {
        if (grow(run, err) < 0)
            return -1;
        ssize_t n = read(run->fd, run->out + run->out_len, run->out_cap - run->out_len - 1);
        if (n > 0) {
            run->out_len += (size_t)n;
            continue;
        }
        if (n == 0) {
            close(run->fd);
            run->fd = -1;
            run->out[run->out_len] = '\0';
            return 1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return 0;
        return rbx_error_errno(err, "reading a job's outcome");
    }
}

static void reap(rbx_run *run, int *status)
{
    *status = -1;
    if (run->pid <= 0)
        return;
    while (waitpid(run->pid, status, 0) < 0 && errno == EINTR)
        ;
    run->pid = 0;
}

static int decode(const rbx_run *run, rbx_run_record *rec, char **answer, rbx_error *err)
{
    outcome_header h;
    memcpy(&h, run->out, sizeof(h));
    if (!h.ok) {
        if (err)
            *err = h.err;
        return -1;
    }
    if (h.answer_len != run->out_len - sizeof(h) || h.answer_len == 0)
        return rbx_error_internal(err, "the job's run wrote a cut answer");
    *answer = malloc(h.answer_len + 1);
    if (!*answer)
        return rbx_error_errno(err, "the job's answer");
    memcpy(*answer, run->out + sizeof(h), h.answer_len);
    (*answer)[h.answer_len] = '\0';
    *rec = h.rec;
    return 0;
}

int rbx_run_collect(rbx_run *run, rbx_run_record *rec, char **answer, rbx_error *err)
{
    *answer = NULL;
    int status;
    reap(run, &status);
    if (!run->out || run->out_len < sizeof(outcome_header)) {
        if (WIFSIGNALED(status))
            return rbx_error_internal(err, "the job's run died of signal %d", WTERMSIG(status));
        return rbx_error_internal(err, "the job's run ended without a result (status %d)", status);
    }
    return decode(run, rec, answer, err);
}

void rbx_run_kill(rbx_run *run)
{
    if (run->pid > 0) {
        kill(-run->pid, SIGKILL);
        kill(run->pid, SIGKILL);
    }
    int status;
    reap(run, &status);
}

void rbx_run_clear(rbx_run *run)
{
    if (run->fd >= 0)
        close(run->fd);
    free(run->out);
    rbx_job_clear(&run->job);
    memset(run, 0, sizeof(*run));
    run->fd = -1;
}
