/* One job's run, in a child process of the worker.
 *
 * The child takes a host-wide run slot (the same pool runbox-fcgi uses, so
 * the concurrent-sandbox cap covers async runs too), runs the request through
 * the engine exactly as POST /execute does, writes the outcome (the run's
 * typed record and the answer's text) on a pipe and exits. Running it in a child is what makes a
 * running job killable: SIGKILL to the child's process group ends the run, and the sandbox below it
 * dies with it (PR_SET_PDEATHSIG), as it does when the whole worker is killed. */
#ifndef RBX_WORKER_RUNNER_H
#define RBX_WORKER_RUNNER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/error.h"
#include "common/run_record.h"
#include "engine/engine.h"
#include "store/jobs.h"

typedef struct rbx_run {
    rbx_job job; /* owned */
    pid_t pid;   /* the child, also its process group; 0 when none */
    int fd;      /* read end of the child's pipe; -1 once at EOF */
    char *out;   /* what the child wrote so far */
    size_t out_len, out_cap;
    long long next_check_ms; /* when to renew the lease and look for a cancel */
} rbx_run;

/* Fork the child for job (moved into run). slots_dir is state_dir/slots. */
int rbx_run_start(rbx_engine *eng, const rbx_config *cfg, const char *slots_dir, rbx_job *job,
                  rbx_run *run, rbx_error *err);

/* Read what is available on run->fd (non-blocking). Returns 1 at EOF (the
 * child is done writing), 0 when more is to come, -1 with err. */
int rbx_run_read(rbx_run *run, rbx_error *err);

/* After EOF: reap the child and decode its outcome. Returns 0 with *rec (the
 * run's record) and *answer (the /execute answer's JSON text, owned), or -1
 * with err: the engine's error, or an internal error when the child died
 * without reporting. */
int rbx_run_collect(rbx_run *run, rbx_run_record *rec, char **answer, rbx_error *err);

/* SIGKILL the child's process group and reap it. */
void rbx_run_kill(rbx_run *run);

/* Release what the run holds (job, buffer, fd). The child must be reaped. */
void rbx_run_clear(rbx_run *run);

#endif
