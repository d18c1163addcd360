/* The runbox-worker loop: up to worker_concurrency jobs at once, each in a
 * child process (worker/runner.h), with the lease renewed and the job row
 * checked for a cancel request while it runs. Callbacks go out from a thread
 * of their own (worker/deliver.h), so no receiver holds up a claim.
 *
 * Idle cost: the loop sleeps in poll() and looks at the store every
 * jobs_poll_interval_ms with read-only queries (no write lock unless there
 * is something to claim); see worker/README.md for the measured CPU. */
#ifndef RBX_WORKER_DAEMON_H
#define RBX_WORKER_DAEMON_H

#include <limits.h>
#include <stdbool.h>

#include "common/config.h"
#include "common/error.h"
#include "common/wake.h"
#include "common/metrics.h"
#include "engine/engine.h"
#include "store/store.h"
#include "worker/deliver.h"
#include "worker/runner.h"

/* After SIGTERM, in-flight runs may finish for this long; then they are
 * killed and their jobs given back to the queue for the next worker. A second
 * SIGTERM or SIGINT gives them back at once. */
#define RBX_WORKER_STOP_GRACE_MS 10000

typedef struct rbx_worker {
    const rbx_config *cfg;
    rbx_engine *engine;
    rbx_store *store;
    char slots_dir[PATH_MAX];
    char owner[128]; /* this worker's lease name: host:pid:random */
    rbx_run *runs;   /* cfg->worker_concurrency entries; pid 0 = free */
    int sigfd;
    bool stopping;
    long long stop_deadline_ms;
    long long next_poll_ms;
    rbx_deliverer *deliverer; /* callbacks, in a thread of their own */
    rbx_wake wake;            /* runbox-fcgi's "a job was queued" (common/wake.h) */
    rbx_metrics metrics;      /* jobs run, for /metrics */
} rbx_worker;

/* Set up (owner name, slots dir, run table, signalfd for SIGTERM/SIGINT). */
int rbx_worker_init(rbx_worker *w, const rbx_config *cfg, rbx_engine *eng, rbx_store *store,
                    rbx_error *err);
void rbx_worker_fini(rbx_worker *w);

/* Run until SIGTERM/SIGINT and the in-flight jobs are finished or released. */
int rbx_worker_loop(rbx_worker *w, rbx_error *err);

#endif
