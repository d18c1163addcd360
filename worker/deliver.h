/* Due callback deliveries: claim one from the store, attempt it, record the
 * outcome and schedule the next attempt (rbx_callback_backoff_ms) or give up
 * after callback_max_attempts. The schedule lives in the store, so a worker
 * restart resumes deliveries where the last one stopped. */
#ifndef RBX_WORKER_DELIVER_H
#define RBX_WORKER_DELIVER_H

#include "common/config.h"
#include "common/error.h"
#include "store/store.h"

/* Attempt due deliveries until none is due or budget_ms is spent (one
 * attempt may overrun it by its own timeout). *attempted counts them. */
int rbx_deliver_due(rbx_store *store, const rbx_config *cfg, long budget_ms, int *attempted,
                    rbx_error *err);

#endif
