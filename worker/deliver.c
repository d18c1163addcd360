#include "worker/deliver.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/jobs.h"
#include "worker/callback.h"

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The claim holds a delivery for longer than one attempt can last, so that
 * no other worker takes the same attempt; a crash mid-attempt retries it then. */
static int hold_ms(const rbx_config *cfg)
{
    return cfg->callback_connect_timeout_ms + cfg->callback_timeout_ms + 5000;
}

static int attempt_one(rbx_store *store, const rbx_config *cfg, rbx_job_delivery *d, rbx_error *err)
{
    rbx_callback_outcome outcome;
    rbx_error why;
    rbx_error_clear(&why);
    int rc = rbx_callback_deliver(cfg, d->url, d->body, strlen(d->body), d->signing_secret, d->id,
                                  &outcome, &why);
    bool delivered = rc == 0;
    int made = d->attempts + 1;
    long retry_in = 0;
    if (!delivered && outcome.retryable && made < cfg->callback_max_attempts)
        retry_in = rbx_callback_backoff_ms(cfg, made);
    if (!delivered)
        fprintf(stderr, "runbox-worker: callback for job %s, attempt %d: %s%s\n", d->id, made,
                why.message, retry_in ? "" : " (giving up)");
    return rbx_jobs_delivery_record(store, d->id, outcome.http_status, delivered, retry_in, err);
}

int rbx_deliver_due(rbx_store *store, const rbx_config *cfg, long budget_ms, int *attempted,
                    rbx_error *err)
{
    long long deadline = monotonic_ms() + budget_ms;
    *attempted = 0;
    do {
        rbx_job_delivery d;
        bool claimed;
        if (rbx_jobs_delivery_claim(store, hold_ms(cfg), &d, &claimed, err) < 0)
            return -1;
        if (!claimed)
            return 0;
        int rc = attempt_one(store, cfg, &d, err);
        rbx_job_delivery_clear(&d);
        if (rc < 0)
            return -1;
        (*attempted)++;
    } while (monotonic_ms() < deadline);
    return 0;
}
