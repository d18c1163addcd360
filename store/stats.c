/* Per-user statistics over the run history. */
#include "store/store_internal.h"

#include <stdio.h>

/* A mean in milliseconds to one decimal, printed as such (json-c would
 * otherwise print every digit of the double); null when no run had a time. */
static json_object *mean_json(rbx_stmt *stmt, int col)
{
    if (rbx_stmt_column_null(stmt, col))
        return NULL;
    double mean = rbx_stmt_column_double(stmt, col);
    char text[32];
    snprintf(text, sizeof(text), "%.1f", mean);
    return json_object_new_double_s(mean, text);
}

/* Columns: [group,] runs, mean cpu, mean wall starting at `first`. */
static json_object *group_json(rbx_stmt *stmt, int first)
{
    json_object *group = json_object_new_object();
    json_object_object_add(group, "runs",
                           json_object_new_int64(rbx_stmt_column_int64(stmt, first)));
    json_object_object_add(group, "mean_cpu_time_ms", mean_json(stmt, first + 1));
    json_object_object_add(group, "mean_wall_time_ms", mean_json(stmt, first + 2));
    return group;
}

#define AGGREGATES "count(*), avg(cpu_time_ms), avg(wall_time_ms)"

/* Adds {column value: group} for each distinct value of column, or the one
 * total group when column is NULL. The column names are our own constants. */
static int add_groups(rbx_store *store, const char *user, const char *column, json_object *into,
                      rbx_error *err)
{
    char sql[256];
    if (column)
        snprintf(sql, sizeof(sql),
                 "SELECT %s, " AGGREGATES " FROM history WHERE user = ?1 GROUP BY %s ORDER BY %s",
                 column, column, column);
    else
        snprintf(sql, sizeof(sql), "SELECT " AGGREGATES " FROM history WHERE user = ?1");
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, user);
    int rc;
    while ((rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW) {
        if (column)
            json_object_object_add(into, rbx_stmt_column_text(stmt, 0), group_json(stmt, 1));
        else
            json_object_object_add(into, "total", group_json(stmt, 0));
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "computing statistics");
    return 0;
}

int rbx_store_stats(rbx_store *store, const char *user, json_object **out, rbx_error *err)
{
    *out = NULL;
    json_object *stats = json_object_new_object();
    json_object *by_language = json_object_new_object();
    json_object *by_status = json_object_new_object();
    json_object_object_add(stats, "by_language", by_language);
    json_object_object_add(stats, "by_status", by_status);
    /* One snapshot for the three queries, so the totals add up. */
    if (rbx_store_begin_read(store, err) < 0) {
        json_object_put(stats);
        return -1;
    }
    int rc = add_groups(store, user, NULL, stats, err);
    if (rc == 0)
        rc = add_groups(store, user, "language", by_language, err);
    if (rc == 0)
        rc = add_groups(store, user, "status", by_status, err);
    rbx_store_rollback(store);
    if (rc < 0) {
        json_object_put(stats);
        return -1;
    }
    *out = stats;
    return 0;
}
