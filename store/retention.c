/* Retention: the history is bounded by age and by rows per user. */
#include "store/store_internal.h"

#include "common/clock.h"

static int delete_older_than(rbx_store *store, int max_age_days, int64_t *removed, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "DELETE FROM history WHERE created_at < ?1", &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, rbx_clock_unix_ms() - (int64_t)max_age_days * 86400 * 1000);
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "pruning old runs");
    *removed += rbx_store_changes(store);
    return 0;
}

/* Each user keeps the newest max_rows, in the same order the history lists. */
static int delete_beyond_rows(rbx_store *store, int max_rows, int64_t *removed, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "DELETE FROM history WHERE rowid IN (SELECT rowid FROM (SELECT rowid,"
                          " row_number() OVER (PARTITION BY user"
                          " ORDER BY created_at DESC, rowid DESC) AS n FROM history) AS ranked"
                          " WHERE n > ?1)",
                          &stmt, err) < 0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, max_rows);
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "pruning runs beyond the per-user bound");
    *removed += rbx_store_changes(store);
    return 0;
}

int rbx_store_history_prune(rbx_store *store, int max_age_days, int max_rows_per_user,
                            int64_t *removed, rbx_error *err)
{
    int64_t count = 0;
    if (removed)
        *removed = 0;
    if (max_age_days < 0 || max_rows_per_user < 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, NULL,
                               "retention bounds must be 0 (none) or positive");
    if (rbx_store_begin_write(store, err) < 0)
        return -1;
    if ((max_age_days > 0 && delete_older_than(store, max_age_days, &count, err) < 0) ||
        (max_rows_per_user > 0 && delete_beyond_rows(store, max_rows_per_user, &count, err) < 0)) {
        rbx_store_rollback(store);
        return -1;
    }
    if (rbx_store_commit(store, err) < 0)
        return -1;
    if (removed)
        *removed = count;
    return 0;
}
