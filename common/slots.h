/* Cross-process concurrency slots: at most N holders of one named pool at once,
 * across every process of the host that shares the slot directory.
 *
 * A pool "name" of size N is N lock files <dir>/<name>.<i>; holding a slot is
 * holding an flock() on one of them. The kernel drops the lock when the holder's
 * descriptor closes, so a holder that crashes or is SIGKILLed frees its slot
 * without any cleanup: there is no counter to repair after a crash.
 *
 * runbox-fcgi takes a per-key slot (pool "key-<id>", max_runs_per_key: busy
 * means 429 at once) and then a global slot (pool "run", the concurrent-runs
 * cap: busy past queue_wait_ms means 503); runbox-worker takes the same global
 * slots, so the cap covers synchronous and asynchronous runs together. */
#ifndef RBX_COMMON_SLOTS_H
#define RBX_COMMON_SLOTS_H

#include "common/error.h"

typedef struct rbx_slot {
    int fd; /* the locked file; -1 when no slot is held */
} rbx_slot;

#define RBX_SLOT_NONE ((rbx_slot){.fd = -1})

/* Make sure dir exists (mode 0700 when created). */
int rbx_slots_prepare(const char *dir, rbx_error *err);

/* Take one of count slots of pool name, waiting up to wait_ms (0: try once).
 * Returns 1 with *slot held, 0 when every slot stayed busy, -1 with err on a
 * failure of the file system. name must be a plain file name (no '/'). */
int rbx_slot_acquire(const char *dir, const char *name, int count, int wait_ms, rbx_slot *slot,
                     rbx_error *err);

/* Give the slot back (no-op when none is held). */
void rbx_slot_release(rbx_slot *slot);

/* How many of the count slots of pool name are held right now (for /health). */
int rbx_slots_in_use(const char *dir, const char *name, int count, rbx_error *err);

#endif
