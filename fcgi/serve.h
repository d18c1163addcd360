/* One pool worker: open the engine and the store once, then accept and answer
 * FastCGI requests on the shared listening socket until told to stop. */
#ifndef RBX_FCGI_SERVE_H
#define RBX_FCGI_SERVE_H

#include "common/config.h"

typedef struct rbx_serve_options {
    const rbx_config *cfg;
    int listen_fd;
} rbx_serve_options;

/* Worker entry point for rbx_pool_options.worker_main (ctx: rbx_serve_options). */
int rbx_serve_worker(void *ctx);

/* Open what a worker needs and close it again (creating the state dir and the
 * store): the master's start-up check, so a broken setup fails once, clearly. */
int rbx_serve_preflight(const rbx_config *cfg, rbx_error *err);

/* --check-config: the language definitions load, and the state dir and store,
 * where they exist, are usable by the calling user. Creates and changes
 * nothing: run as root before the service's first start, it must not leave a
 * root-owned store that the service user cannot open. */
int rbx_serve_check(const rbx_config *cfg, rbx_error *err);

#endif
