/* The pre-forked pool: one master that only forks, reaps and replaces workers,
 * and N workers that each accept on the shared listening socket.
 *
 * SIGTERM or SIGINT to the master drains: every worker finishes the request it
 * is answering, then exits; the master exits when all are gone (or kills the
 * stragglers after drain_timeout_ms). A worker that dies for any other reason
 * is replaced; workers that keep dying at start are replaced at most once a
 * second, so a broken setup cannot fork-bomb the host. */
#ifndef RBX_FCGI_POOL_H
#define RBX_FCGI_POOL_H

typedef struct rbx_pool_options {
    int workers;
    int light_workers; /* a second kind of worker, kept and replaced alike */
    int drain_timeout_ms;
    /* Runs in each worker process; its return value is the worker's exit status. */
    int (*worker_main)(void *ctx);
    int (*light_main)(void *ctx);
    /* Runs in the master after a worker died other than by draining (may be
     * NULL): what the dead worker held, such as its box's cgroup, is released. */
    void (*after_worker_death)(void *ctx);
    void *ctx;
} rbx_pool_options;

/* Run the pool until it is told to stop. Returns the master's exit status. */
int rbx_pool_run(const rbx_pool_options *opt);

#endif
