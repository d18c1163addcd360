/* A key's run slots across the cluster. On PostgreSQL slot i of key k is the
 * session advisory lock (k, i): taking one is pg_try_advisory_lock, and the
 * server frees it when the holder's connection ends, so a host that crashes
 * or loses its link frees its slots without any cleanup, as flock() does for
 * the per-host slot files (common/slots.h). A session's advisory locks are
 * reentrant, so one connection must hold at most one slot of a key at a
 * time: each pool process answers one request at a time. */
#include "store/store_internal.h"

bool rbx_store_shared(const rbx_store *store)
{
    return rbx_store_dialect(store) == RBX_DIALECT_POSTGRES;
}

/* The first free slot, locked in the same statement: the scan stops at the
 * first lock taken, so no other slot is held. */
int rbx_store_key_slot_acquire(rbx_store *store, int64_t key_id, int count, int *slot,
                               rbx_error *err)
{
    *slot = -1;
    if (!rbx_store_shared(store))
        return rbx_error_internal(err, "store: key slots need a shared (PostgreSQL) store");
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT s FROM generate_series(0, CAST(?2 AS INTEGER) - 1) AS s"
                          " WHERE pg_try_advisory_lock(CAST(?1 AS INTEGER), s) LIMIT 1",
                          &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, key_id);
    rbx_stmt_bind_int64(stmt, 2, count);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW)
        *slot = rbx_stmt_column_int(stmt, 0);
    rbx_stmt_finalize(stmt);
    if (rc == RBX_STEP_ERROR)
        return rbx_store_sql_error(store, err, "taking a key's run slot");
    return rc == RBX_STEP_ROW;
}

void rbx_store_key_slot_release(rbx_store *store, int64_t key_id, int slot)
{
    rbx_stmt *stmt;
    if (slot < 0 || rbx_store_prepare(store,
                                      "SELECT pg_advisory_unlock(CAST(?1 AS INTEGER),"
                                      " CAST(?2 AS INTEGER))",
                                      &stmt, NULL) < 0)
        return;
    rbx_stmt_bind_int64(stmt, 1, key_id);
    rbx_stmt_bind_int64(stmt, 2, slot);
    /* A failure means the connection is gone, and the lock with it. */
    rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
}
