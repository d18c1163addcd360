/* Callback deliveries, apart from the job loop: a thread with its own store
 * connection and one libcurl multi handle, so that a slow or silent receiver
 * delays nothing but its own callbacks.
 *
 * Up to [callbacks] concurrency attempts are in flight at once, at most
 * [callbacks] per_destination of them to one host:port; a due delivery whose
 * destination is full waits in the store (deferred, no attempt counted). Each
 * attempt is claimed from the store (rbx_jobs_delivery_claim) for longer than
 * it can last, its outcome recorded and the next attempt scheduled
 * (rbx_callback_backoff_ms) or given up after max_attempts. The schedule lives
 * in the store, so a restarted worker resumes deliveries where they stopped;
 * attempts in flight at a stop are put back, due at once. */
#ifndef RBX_WORKER_DELIVER_H
#define RBX_WORKER_DELIVER_H

#include "common/config.h"
#include "common/error.h"

typedef struct rbx_deliverer rbx_deliverer;

/* Open a store connection of its own and start the delivery thread. Call it
 * with the signals the process handles blocked: the thread inherits the mask. */
int rbx_deliverer_start(const rbx_config *cfg, rbx_deliverer **out, rbx_error *err);

/* A job finished: look for a due callback now rather than at the next poll.
 * Safe from any thread. */
void rbx_deliverer_wake(rbx_deliverer *d);

/* Stop the thread (attempts in flight are abandoned and put back, due at
 * once), close its store and free d. NULL is a no-op. */
void rbx_deliverer_stop(rbx_deliverer *d);

#endif
