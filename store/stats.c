/* Per-user statistics over the run history. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns: runs, mean cpu, mean wall starting at `first`; a NULL mean (no
 * run had that time) stays absent rather than reading as 0. */
static void read_group(rbx_stmt *stmt, int first, rbx_stats_group *group)
{
    group->runs = rbx_stmt_column_int64(stmt, first);
    group->has_cpu = !rbx_stmt_column_null(stmt, first + 1);
    group->mean_cpu_time_ms = group->has_cpu ? rbx_stmt_column_double(stmt, first + 1) : 0;
    group->has_wall = !rbx_stmt_column_null(stmt, first + 2);
    group->mean_wall_time_ms = group->has_wall ? rbx_stmt_column_double(stmt, first + 2) : 0;
}

/* Appends the current row (name, runs, means) to the list, growing it. */
static int add_named(rbx_stmt *stmt, rbx_stats_named_group **list, size_t *n, rbx_error *err)
{
    rbx_stats_named_group *grown = realloc(*list, (*n + 1) * sizeof(**list));
    if (!grown)
        return rbx_error_errno(err, "computing statistics");
    *list = grown;
    rbx_stats_named_group *item = &grown[*n];
    item->name = rbx_store_column_dup(stmt, 0); /* language and status are NOT NULL */
    if (!item->name)
        return rbx_error_errno(err, "computing statistics");
    read_group(stmt, 1, &item->group);
    (*n)++;
    return 0;
}

#define AGGREGATES "count(*), avg(cpu_time_ms), avg(wall_time_ms)"

static int read_total(rbx_store *store, const char *user, rbx_stats_group *total, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT " AGGREGATES " FROM history WHERE user = ?1", &stmt, err) <
        0)
        return -1;
    rbx_store_bind_text(stmt, 1, user);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW) {
        read_group(stmt, 0, total);
        rc = rbx_stmt_step(stmt);
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "computing statistics");
    return 0;
}

/* One group for each distinct value of column, ordered by it. The column
 * names are our own constants. */
static int read_groups(rbx_store *store, const char *user, const char *column,
                       rbx_stats_named_group **list, size_t *n, rbx_error *err)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT %s, " AGGREGATES " FROM history WHERE user = ?1 GROUP BY %s ORDER BY %s",
             column, column, column);
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, user);
    int rc;
    while ((rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW)
        if (add_named(stmt, list, n, err) < 0) {
            rbx_stmt_finalize(stmt);
            return -1;
        }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "computing statistics");
    return 0;
}

static void free_named(rbx_stats_named_group *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].name);
    free(list);
}

void rbx_run_stats_free(rbx_run_stats *stats)
{
    free_named(stats->by_language, stats->n_language);
    free_named(stats->by_status, stats->n_status);
    memset(stats, 0, sizeof(*stats));
}

int rbx_store_stats(rbx_store *store, const char *user, rbx_run_stats *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    /* One snapshot for the three queries, so the totals add up. */
    if (rbx_store_begin_read(store, err) < 0)
        return -1;
    int rc = read_total(store, user, &out->total, err);
    if (rc == 0)
        rc = read_groups(store, user, "language", &out->by_language, &out->n_language, err);
    if (rc == 0)
        rc = read_groups(store, user, "status", &out->by_status, &out->n_status, err);
    rbx_store_rollback(store); /* nothing to commit: ending the read */
    if (rc < 0) {
        rbx_run_stats_free(out);
        return -1;
    }
    return 0;
}
