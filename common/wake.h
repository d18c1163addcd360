/* A nudge from runbox-fcgi to the runbox-workers of this host: "a job was
 * queued", so a worker claims it at once instead of at its next poll
 * (jobs_poll_interval_ms later).
 *
 * Each worker binds a unix datagram socket <state_dir>/wake/worker-<pid>;
 * rbx_wake_workers() sends one byte to every socket there and removes those
 * nobody listens on any more (a worker that was killed). Best effort: a lost
 * nudge costs at most one poll interval, the store stays the only truth. */
#ifndef RBX_COMMON_WAKE_H
#define RBX_COMMON_WAKE_H

#include <stddef.h>

#include "common/error.h"

typedef struct rbx_wake {
    int fd; /* non-blocking datagram socket; -1 when none */
    char path[108];
} rbx_wake;

/* Bind this process's wake socket under state_dir (wake/ made 0700). */
int rbx_wake_listen(const char *state_dir, rbx_wake *w, rbx_error *err);

/* Read every pending nudge; returns how many there were. */
int rbx_wake_drain(rbx_wake *w);

/* Close and remove the socket. */
void rbx_wake_close(rbx_wake *w);

/* Nudge every worker listening under state_dir. */
void rbx_wake_workers(const char *state_dir);

#endif
