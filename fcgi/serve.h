/* One pool worker: open the engine and the store once, then accept and answer
 * FastCGI requests on the shared listening socket until told to stop. */
#ifndef RBX_FCGI_SERVE_H
#define RBX_FCGI_SERVE_H

#include "common/config.h"

typedef struct rbx_serve_options {
    const rbx_config *cfg;
    int listen_fd;       /* the runs' socket */
    int light_listen_fd; /* the read-only routes' socket, -1 when none */
} rbx_serve_options;

/* Worker entry points for rbx_pool_options (ctx: rbx_serve_options): a
 * worker on the runs' socket, and a light one on the read-only socket, which
 * serves only routes that never take a sandbox, so /health, /languages,
 * history, tasks and stats never wait behind runs. */
int rbx_serve_worker(void *ctx);
int rbx_serve_light_worker(void *ctx);

/* Open what a worker needs and close it again (creating the state dir and the
 * store): the master's start-up check, so a broken setup fails once, clearly. */
int rbx_serve_preflight(const rbx_config *cfg, rbx_error *err);

/* Build the languages' missing prebuilt parts (engine/prebuilt.h) in a
 * child process, so that the pool answers meanwhile; the child dies with
 * its parent. Nothing to wait for: the pool reaps it like any child. */
void rbx_serve_prebuild_async(const rbx_config *cfg);

/* --check-config: the language definitions load, and the state dir and store,
 * where they exist, are usable by the calling user. Creates and changes
 * nothing: run as root before the service's first start, it must not leave a
 * root-owned store that the service user cannot open. */
int rbx_serve_check(const rbx_config *cfg, rbx_error *err);

#endif
