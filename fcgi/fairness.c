#include "fcgi/fairness.h"

#include <inttypes.h>
#include <stdio.h>

/* The pool of host-wide run slots; runbox-worker takes the same pool. */
#define RUN_POOL "run"

/* One of the key's slots (rbx_config_runs_per_key: max_runs_per_key, below
 * the capacity): the cluster's on a shared store, else the host's. 1 taken,
 * 0 all busy, -1 error. */
static int take_key_slot(rbx_service *svc, const rbx_key_info *caller, rbx_run_permit *permit,
                         rbx_error *err)
{
    int count = rbx_config_runs_per_key(svc->cfg);
    if (rbx_store_shared(svc->store)) {
        int rc =
            rbx_store_key_slot_acquire(svc->store, caller->id, count, &permit->store_slot, err);
        if (rc == 1) {
            permit->store = svc->store;
            permit->key_id = caller->id;
        }
        return rc;
    }
    char key_pool[64];
    snprintf(key_pool, sizeof(key_pool), "key-%" PRId64, caller->id);
    return rbx_slot_acquire(svc->slots_dir, key_pool, count, 0, &permit->key_slot, err);
}

static void give_key_slot_back(rbx_run_permit *permit)
{
    rbx_slot_release(&permit->key_slot);
    if (permit->store)
        rbx_store_key_slot_release(permit->store, permit->key_id, permit->store_slot);
    permit->store = NULL;
}

int rbx_run_permit_acquire(rbx_service *svc, const rbx_key_info *caller, rbx_run_permit *permit,
                           rbx_error *err)
{
    *permit = (rbx_run_permit){.key_slot = RBX_SLOT_NONE, .run_slot = RBX_SLOT_NONE};
    const rbx_config *cfg = svc->cfg;

    /* The key's own cap first and without waiting: a key over its share is
     * told so at once instead of queueing in front of other keys. */
    int rc = take_key_slot(svc, caller, permit, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        rbx_error_raise(err, RBX_ERR_RATE_LIMITED, NULL, NULL,
                        "this key already has %d runs in progress; retry when one finishes",
                        rbx_config_runs_per_key(cfg));
        err->retry_after = 1;
        return -1;
    }

    rc = rbx_slot_acquire(svc->slots_dir, RUN_POOL, rbx_config_concurrent_runs(cfg),
                          svc->queue_wait_left_ms, &permit->run_slot, err);
    if (rc == 1)
        return 0;
    give_key_slot_back(permit);
    if (rc == 0) {
        rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL,
                        "every sandbox is busy; waited %d ms for one", cfg->queue_wait_ms);
        err->retry_after = cfg->queue_wait_ms / 1000 + 1;
    }
    return -1;
}

void rbx_run_permit_release(rbx_run_permit *permit)
{
    rbx_slot_release(&permit->run_slot);
    give_key_slot_back(permit);
}
