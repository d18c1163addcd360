/* Fairness between callers: a run holds one of its key's slots (max_runs_per_key;
 * none free is 429 at once) and one of the host's run slots (the concurrent-runs
 * cap; none free within queue_wait_ms is 503 with Retry-After). On a shared
 * (PostgreSQL) store the key's slots are the cluster's, kept in the store;
 * the run slots stay the host's own. */
#ifndef RBX_FCGI_FAIRNESS_H
#define RBX_FCGI_FAIRNESS_H

#include "common/slots.h"
#include "fcgi/service.h"

typedef struct rbx_run_permit {
    rbx_slot key_slot;
    rbx_slot run_slot;
    rbx_store *store; /* set while a key slot of the store's is held */
    int64_t key_id;
    int store_slot;
} rbx_run_permit;

/* Take both slots for a run by caller, or fail with 429/503 (retry_after set). */
int rbx_run_permit_acquire(rbx_service *svc, const rbx_key_info *caller, rbx_run_permit *permit,
                           rbx_error *err);
void rbx_run_permit_release(rbx_run_permit *permit);

#endif
