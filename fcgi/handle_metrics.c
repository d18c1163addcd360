/* GET /metrics: the host's counters in Prometheus' text format (version
 * 0.0.4). Counts come from the shared block every process of the host adds to
 * (common/metrics.h); gauges are read at scrape time (sandbox slots, jobs by
 * state, the compile cache). Which networks may scrape is nginx's to decide
 * (nginx/runbox.conf: allow/deny on its location). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metrics.h"
#include "common/slots.h"
#include "engine/compile_cache.h"
#include "fcgi/service.h"
#include "store/jobs.h"

static void help(FILE *f, const char *name, const char *type, const char *what)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, what, name, type);
}

/* Label values are ours (language ids, verdicts, error codes, route
 * patterns), but escaped all the same as the format asks. */
static void label(FILE *f, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
}

static void histogram(FILE *f, const char *name, const char *labels, const rbx_metrics_histogram *h)
{
    uint64_t cumulative = 0;
    const char *sep = labels[0] ? "," : "";
    for (size_t i = 0; i <= RBX_METRICS_BUCKETS; i++) {
        cumulative += h->buckets[i];
        if (i < RBX_METRICS_BUCKETS)
            fprintf(f, "%s_bucket{%s%sle=\"%.3f\"} %llu\n", name, labels, sep,
                    (double)rbx_metrics_bucket_ms[i] / 1000.0, (unsigned long long)cumulative);
        else
            fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                    (unsigned long long)cumulative);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    fprintf(f, "%s_sum%s%s%s %.3f\n", name, open, labels, close, (double)h->sum_ms / 1000.0);
    fprintf(f, "%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)h->count);
}

static void runs(FILE *f, const rbx_metrics_block *b)
{
    help(f, "runbox_runs_total", "counter", "Runs answered, by language and verdict.");
    for (size_t i = 0; i < RBX_METRICS_RUN_ROWS && b->runs[i].used; i++) {
        fputs("runbox_runs_total{language=\"", f);
        label(f, b->runs[i].a);
        fputs("\",verdict=\"", f);
        label(f, b->runs[i].b);
        fprintf(f, "\"} %llu\n", (unsigned long long)b->runs[i].count);
    }
    help(f, "runbox_compile_seconds", "histogram",
         "Wall time of the compile steps that ran (cache hits are not compiles).");
    histogram(f, "runbox_compile_seconds", "", &b->compile_ms);
    help(f, "runbox_run_seconds", "histogram", "Wall time of a run (a graded run: its cases).");
    histogram(f, "runbox_run_seconds", "", &b->run_ms);
}

static void requests(FILE *f, const rbx_metrics_block *b)
{
    help(f, "runbox_requests_total", "counter", "Requests answered, by route and status class.");
    for (size_t i = 0; i < RBX_METRICS_ROUTE_ROWS && b->requests[i].used; i++) {
        fputs("runbox_requests_total{route=\"", f);
        label(f, b->requests[i].a);
        fprintf(f, "\",status=\"%s\"} %llu\n", b->requests[i].b,
                (unsigned long long)b->requests[i].count);
    }
    help(f, "runbox_request_duration_seconds", "histogram",
         "End-to-end time of a request, from nginx's arrival to the answer.");
    for (size_t i = 0; i < RBX_METRICS_ROUTE_ROWS && b->requests[i].used; i++) {
        char labels[128];
        snprintf(labels, sizeof(labels), "route=\"%s\",status=\"%s\"", b->requests[i].a,
                 b->requests[i].b);
        histogram(f, "runbox_request_duration_seconds", labels, &b->requests[i].latency);
    }
    help(f, "runbox_errors_total", "counter", "Refused or failed requests, by error code.");
    for (size_t i = 0; i < RBX_METRICS_ERROR_ROWS && b->errors[i].used; i++) {
        fputs("runbox_errors_total{code=\"", f);
        label(f, b->errors[i].a);
        fprintf(f, "\"} %llu\n", (unsigned long long)b->errors[i].count);
    }
}

static void jobs(FILE *f, rbx_service *svc, const rbx_metrics_block *b)
{
    rbx_job_state_counts counts;
    rbx_error err;
    if (rbx_jobs_count_by_state(svc->store, &counts, &err) == 0) {
        help(f, "runbox_jobs", "gauge", "Async jobs in the store, by state.");
        fprintf(f, "runbox_jobs{state=\"queued\"} %lld\n", (long long)counts.queued);
        fprintf(f, "runbox_jobs{state=\"running\"} %lld\n", (long long)counts.running);
        fprintf(f, "runbox_jobs{state=\"done\"} %lld\n", (long long)counts.done);
        fprintf(f, "runbox_jobs{state=\"cancelled\"} %lld\n", (long long)counts.cancelled);
        help(f, "runbox_queue_depth", "gauge", "Async jobs waiting for a worker.");
        fprintf(f, "runbox_queue_depth %lld\n", (long long)counts.queued);
    }
    help(f, "runbox_jobs_run_total", "counter", "Async jobs this host's workers finished.");
    fprintf(f, "runbox_jobs_run_total %llu\n", (unsigned long long)b->jobs_run);
    help(f, "runbox_callback_attempts_total", "counter", "Callback deliveries attempted.");
    fprintf(f, "runbox_callback_attempts_total %llu\n", (unsigned long long)b->callback_attempts);
    help(f, "runbox_callback_failures_total", "counter",
         "Callback attempts that failed (no answer, or not 2xx).");
    fprintf(f, "runbox_callback_failures_total %llu\n", (unsigned long long)b->callback_failures);
    help(f, "runbox_callbacks_delivered_total", "counter", "Callbacks delivered (a 2xx).");
    fprintf(f, "runbox_callbacks_delivered_total %llu\n",
            (unsigned long long)b->callbacks_delivered);
}

static void capacity(FILE *f, rbx_service *svc)
{
    rbx_error err;
    int cap = rbx_config_concurrent_runs(svc->cfg);
    int busy = rbx_slots_in_use(svc->slots_dir, "run", cap, &err);
    help(f, "runbox_sandbox_slots", "gauge", "Sandboxes this host runs at once at most.");
    fprintf(f, "runbox_sandbox_slots %d\n", cap);
    if (busy >= 0) {
        help(f, "runbox_sandbox_slots_in_use", "gauge", "Sandboxes running now.");
        fprintf(f, "runbox_sandbox_slots_in_use %d\n", busy);
    }
    help(f, "runbox_pool_workers", "gauge", "runbox-fcgi processes, by kind.");
    fprintf(f, "runbox_pool_workers{kind=\"run\"} %d\n", svc->cfg->workers);
    fprintf(f, "runbox_pool_workers{kind=\"light\"} %d\n", svc->cfg->light_workers);
    rbx_compile_cache_stats cs;
    if (rbx_engine_cache_stats(svc->engine, &cs) == 0) {
        help(f, "runbox_compile_cache_hits_total", "counter", "Compiles the cache answered.");
        fprintf(f, "runbox_compile_cache_hits_total %llu\n", (unsigned long long)cs.hits);
        help(f, "runbox_compile_cache_misses_total", "counter", "Compiles the cache did not hold.");
        fprintf(f, "runbox_compile_cache_misses_total %llu\n", (unsigned long long)cs.misses);
        help(f, "runbox_compile_cache_evictions_total", "counter", "Entries evicted at the cap.");
        fprintf(f, "runbox_compile_cache_evictions_total %llu\n", (unsigned long long)cs.evicted);
    }
}

int rbx_handle_metrics(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    rbx_metrics_block *b = malloc(sizeof(*b));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = b ? open_memstream(&buf, &len) : NULL;
    if (!f) {
        free(b);
        return rbx_error_errno(err, "out of memory");
    }
    rbx_metrics_snapshot(&call->svc->metrics, b);
    runs(f, b);
    requests(f, b);
    jobs(f, call->svc, b);
    capacity(f, call->svc);
    free(b);
    if (fclose(f) != 0) {
        free(buf);
        return rbx_error_errno(err, "out of memory");
    }
    rbx_reply_text(reply, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
    return 0;
}
