/* Counters for /metrics, shared by every process of a host: each pool worker
 * and runbox-worker maps the same small file under the state dir
 * (state_dir/metrics) and adds to it with atomic operations, so a scrape that
 * any one pool worker answers sees the whole host. The file holds counts
 * only: nothing of a request (no code, no key) is in it. It starts from zero
 * when its layout changes or it is removed; Prometheus handles counter
 * resets.
 *
 * Labelled counters (runs by language and verdict, errors by code, requests
 * by route) live in fixed tables whose rows are claimed under an flock the
 * first time a label is seen; a table that is full counts into its "other"
 * row, so a flood of odd labels cannot grow the file or hide the totals. */
#ifndef RBX_COMMON_METRICS_H
#define RBX_COMMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Upper bounds of the latency histograms' buckets, in milliseconds (+Inf
 * beyond the last). */
#define RBX_METRICS_BUCKETS 13
extern const uint64_t rbx_metrics_bucket_ms[RBX_METRICS_BUCKETS];

typedef struct rbx_metrics_histogram {
    uint64_t buckets[RBX_METRICS_BUCKETS + 1]; /* per bucket, not cumulative; last is +Inf */
    uint64_t count;
    uint64_t sum_ms;
} rbx_metrics_histogram;

#define RBX_METRICS_LABEL 40

typedef struct rbx_metrics_row {
    uint32_t used; /* set last, with release order, once the labels are written */
    char a[RBX_METRICS_LABEL];
    char b[RBX_METRICS_LABEL];
    uint64_t count;
    rbx_metrics_histogram latency; /* requests' rows only */
} rbx_metrics_row;

#define RBX_METRICS_RUN_ROWS 96
#define RBX_METRICS_ERROR_ROWS 48
#define RBX_METRICS_ROUTE_ROWS 48

typedef struct rbx_metrics_block {
    uint32_t magic;
    uint32_t size; /* sizeof(rbx_metrics_block): a build with another layout starts anew */
    rbx_metrics_row runs[RBX_METRICS_RUN_ROWS];       /* a: language, b: verdict */
    rbx_metrics_row errors[RBX_METRICS_ERROR_ROWS];   /* a: error code */
    rbx_metrics_row requests[RBX_METRICS_ROUTE_ROWS]; /* a: route, b: status class */
    rbx_metrics_histogram compile_ms;                 /* compile steps that ran (not cached) */
    rbx_metrics_histogram run_ms;                     /* a run's wall time (a graded run: all) */
    uint64_t callback_attempts;
    uint64_t callback_failures; /* attempts that got no 2xx */
    uint64_t callbacks_delivered;
    uint64_t jobs_run; /* async jobs a worker finished */
} rbx_metrics_block;

typedef struct rbx_metrics {
    int fd;
    rbx_metrics_block *block;
} rbx_metrics;

/* Map state_dir/metrics (created 0600 when missing, never through a link).
 * On failure the process goes on without metrics: every add is then a no-op. */
int rbx_metrics_open(rbx_metrics *m, const char *state_dir, rbx_error *err);
void rbx_metrics_close(rbx_metrics *m);

void rbx_metrics_observe(rbx_metrics_histogram *h, uint64_t ms);
void rbx_metrics_add(uint64_t *counter, uint64_t n);
/* The row of (a, b) in table (claimed when new; the "other" row when full). */
rbx_metrics_row *rbx_metrics_row_of(rbx_metrics *m, rbx_metrics_row *table, size_t n_rows,
                                    const char *a, const char *b);

/* One run answered (native, a dialect's, or an async job's). */
void rbx_metrics_count_run(rbx_metrics *m, const char *language, const char *verdict, bool compiled,
                           uint64_t compile_ms, uint64_t run_ms);
/* One request answered: its route ("POST /execute"), status and time. */
void rbx_metrics_count_request(rbx_metrics *m, const char *route, int status, uint64_t ms,
                               const char *error_code);
/* One callback attempt of the worker's. */
void rbx_metrics_count_callback(rbx_metrics *m, bool delivered);

/* A copy for rendering (the live counters go on moving meanwhile). */
void rbx_metrics_snapshot(const rbx_metrics *m, rbx_metrics_block *out);

#endif
