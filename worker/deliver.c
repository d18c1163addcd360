#include "worker/deliver.h"

#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_cap.h"
#include "common/metrics.h"
#include "fcgi/dialects/shapes.h"
#include "store/jobs.h"
#include "worker/callback.h"

#define LOG(...) fprintf(stderr, "runbox-worker: " __VA_ARGS__)

/* A due delivery whose destination is at its limit is looked at again this
 * much later (it keeps its place: nothing is counted). */
#define DEFER_MS 500

/* One attempt in flight. */
struct flight {
    bool used;
    rbx_job_delivery delivery;
    rbx_callback_request request;
};

struct rbx_deliverer {
    const rbx_config *cfg;
    rbx_store *store;
    CURLM *multi;
    pthread_t thread;
    atomic_bool stop;
    int n_flights;
    struct flight *flights;
    rbx_metrics metrics; /* callback attempts, for /metrics */
};

/* The claim holds a delivery for longer than one attempt can last, so that
 * no other worker takes the same attempt; a crash mid-attempt retries it then. */
static int hold_ms(const rbx_config *cfg)
{
    return cfg->callback_connect_timeout_ms + cfg->callback_timeout_ms + 5000;
}

/* Cut the stored result to [callbacks] max_body_kb (the longest texts
 * shortened, "truncated": true) so that a big result is not sent, and sent
 * again on every retry, whole. The body is replaced before it is signed. */
static void cap_body(const rbx_config *cfg, rbx_job_delivery *dv)
{
    size_t max = cfg->callback_max_body_kb * 1024;
    if (!max || strlen(dv->body) <= max)
        return;
    json_object *doc = json_tokener_parse(dv->body);
    if (!doc)
        return;
    rbx_json_cap(doc, max);
    char *text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    json_object_put(doc);
    if (text) {
        free(dv->body);
        dv->body = text;
    }
}

/* Record an attempt's outcome and schedule the next one, or give up. */
static void record(rbx_deliverer *d, const rbx_job_delivery *dv, bool delivered,
                   const rbx_callback_outcome *outcome, const rbx_error *why)
{
    int made = dv->attempts + 1;
    long retry_in = 0;
    if (!delivered && outcome->retryable && made < d->cfg->callback_max_attempts)
        retry_in = rbx_callback_backoff_ms(d->cfg, made);
    if (!delivered)
        LOG("callback for job %s, attempt %d: %s%s\n", dv->id, made, why->message,
            retry_in ? "" : " (giving up)");
    rbx_metrics_count_callback(&d->metrics, delivered);
    rbx_error err;
    if (rbx_jobs_delivery_record(d->store, dv->id, outcome->http_status, delivered, retry_in,
                                 &err) < 0)
        LOG("callbacks: %s\n", err.message);
}

static void defer(rbx_deliverer *d, const char *id, int64_t in_ms)
{
    rbx_error err;
    if (rbx_jobs_delivery_defer(d->store, id, in_ms, &err) < 0)
        LOG("callbacks: %s\n", err.message);
}

static void land(struct flight *f)
{
    rbx_callback_request_free(&f->request);
    rbx_job_delivery_clear(&f->delivery);
    f->used = false;
}

static struct flight *free_flight(rbx_deliverer *d)
{
    for (int i = 0; i < d->n_flights; i++)
        if (!d->flights[i].used)
            return &d->flights[i];
    return NULL;
}

static int in_flight_to(const rbx_deliverer *d, const char *destination)
{
    int n = 0;
    for (int i = 0; i < d->n_flights; i++)
        n += d->flights[i].used && strcmp(d->flights[i].request.destination, destination) == 0;
    return n;
}

/* A job a dialect queued gets its callback in that dialect's shape (Judge0:
 * a PUT of the submission); the body that is signed is the one sent. */
static void shape_body(rbx_job_delivery *dv, const char **method)
{
    char *shaped = NULL;
    if (rbx_dialect_callback(dv->request, dv->body, dv->id, &shaped, method) < 0) {
        LOG("callback for job %s: its callback_format could not be written; sending the result\n",
            dv->id);
        return;
    }
    if (shaped) {
        free(dv->body);
        dv->body = shaped;
    }
}

/* Prepare the claimed delivery in f and hand it to the multi handle; false
 * when it did not take off (refused URL, or its destination is full). */
static bool take_off(rbx_deliverer *d, struct flight *f)
{
    rbx_job_delivery *dv = &f->delivery;
    rbx_callback_outcome outcome;
    rbx_error why;
    rbx_error_clear(&why);
    cap_body(d->cfg, dv);
    const char *method = NULL;
    shape_body(dv, &method);
    if (rbx_callback_prepare(d->cfg, dv->url, dv->body, strlen(dv->body), dv->signing_secret,
                             dv->id, &f->request, &outcome, &why) < 0) {
        record(d, dv, false, &outcome, &why);
        return false;
    }
    if (method && strcmp(method, "POST") != 0)
        curl_easy_setopt(f->request.easy, CURLOPT_CUSTOMREQUEST, method);
    if (in_flight_to(d, f->request.destination) >= d->cfg->callback_per_destination) {
        defer(d, dv->id, DEFER_MS);
        return false;
    }
    curl_easy_setopt(f->request.easy, CURLOPT_PRIVATE, f);
    if (curl_multi_add_handle(d->multi, f->request.easy) != CURLM_OK) {
        defer(d, dv->id, DEFER_MS);
        return false;
    }
    f->used = true;
    return true;
}

/* Start due deliveries while flights are free. Each claim either takes off or
 * is recorded or deferred, so the loop ends: a deferred one is not due again
 * for DEFER_MS, and the number of looks per round is bounded anyway. */
static void start_due(rbx_deliverer *d)
{
    struct flight *f;
    for (int looks = 0; looks < 4 * d->n_flights && (f = free_flight(d)); looks++) {
        bool claimed;
        rbx_error err;
        if (rbx_jobs_delivery_claim(d->store, hold_ms(d->cfg), &f->delivery, &claimed, &err) < 0) {
            LOG("callbacks: %s\n", err.message);
            return;
        }
        if (!claimed)
            return;
        if (!take_off(d, f)) {
            f->used = true; /* so that land() can clear it */
            land(f);
        }
    }
}

/* Record every attempt curl has finished. */
static void collect_done(rbx_deliverer *d)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(d->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct flight *f = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        CURLcode code = msg->data.result;
        curl_multi_remove_handle(d->multi, msg->easy_handle);
        rbx_callback_outcome outcome;
        rbx_error why;
        rbx_error_clear(&why);
        bool delivered = rbx_callback_finish(&f->request, (int)code, &outcome, &why) == 0;
        record(d, &f->delivery, delivered, &outcome, &why);
        land(f);
    }
}

/* How long to sleep: until the next delivery is due, at most a poll interval
 * (another worker may have scheduled one); curl wakes us for its own sockets
 * and timeouts, and rbx_deliverer_wake for a finished job. */
static int sleep_ms(rbx_deliverer *d)
{
    int64_t due_in = -1;
    rbx_error err;
    if (rbx_jobs_next_delivery_in(d->store, &due_in, &err) < 0)
        LOG("callbacks: %s\n", err.message);
    int poll = d->cfg->jobs_poll_interval_ms;
    if (due_in < 0 || due_in >= poll)
        return poll;
    return due_in < 5 ? 5 : (int)due_in;
}

/* Abandoned attempts are due again at once, for the next worker. */
static void put_back_all(rbx_deliverer *d)
{
    for (int i = 0; i < d->n_flights; i++) {
        struct flight *f = &d->flights[i];
        if (!f->used)
            continue;
        curl_multi_remove_handle(d->multi, f->request.easy);
        defer(d, f->delivery.id, 0);
        land(f);
    }
}

static void *deliver_main(void *arg)
{
    rbx_deliverer *d = arg;
    while (!atomic_load(&d->stop)) {
        start_due(d);
        int running;
        curl_multi_perform(d->multi, &running);
        collect_done(d);
        /* At least a few ms, so that a due delivery that cannot be claimed
         * (the store is busy) is not looked for in a spin. */
        int wait = free_flight(d) ? sleep_ms(d) : d->cfg->jobs_poll_interval_ms;
        if (!atomic_load(&d->stop))
            curl_multi_poll(d->multi, NULL, 0, wait, NULL);
    }
    put_back_all(d);
    return NULL;
}

static void destroy(rbx_deliverer *d)
{
    if (d->multi)
        curl_multi_cleanup(d->multi);
    rbx_store_close(d->store);
    rbx_metrics_close(&d->metrics);
    free(d->flights);
    free(d);
}

int rbx_deliverer_start(const rbx_config *cfg, rbx_deliverer **out, rbx_error *err)
{
    *out = NULL;
    rbx_deliverer *d = calloc(1, sizeof(*d));
    if (!d)
        return rbx_error_errno(err, "callback deliverer");
    d->cfg = cfg;
    d->metrics.fd = -1;
    rbx_error merr;
    if (rbx_metrics_open(&d->metrics, cfg->state_dir, &merr) < 0)
        LOG("callbacks: no metrics: %s\n", merr.message);
    d->n_flights = cfg->callback_concurrency;
    d->flights = calloc((size_t)d->n_flights, sizeof(*d->flights));
    atomic_init(&d->stop, false);
    char path[PATH_MAX];
    rbx_config_store_path(cfg, path, sizeof(path));
    if (!d->flights || !(d->multi = curl_multi_init())) {
        destroy(d);
        return rbx_error_internal(err, "out of memory starting callback deliveries");
    }
    if (rbx_store_open(path, &d->store, err) < 0) {
        destroy(d);
        return -1;
    }
    /* A receiver closing early must be an error return, never SIGPIPE. */
    sigset_t pipe_mask, old;
    sigemptyset(&pipe_mask);
    sigaddset(&pipe_mask, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_mask, &old);
    int rc = pthread_create(&d->thread, NULL, deliver_main, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        destroy(d);
        return rbx_error_internal(err, "cannot start the callback thread: %s", strerror(rc));
    }
    *out = d;
    return 0;
}

void rbx_deliverer_wake(rbx_deliverer *d)
{
    if (d)
        curl_multi_wakeup(d->multi);
}

void rbx_deliverer_stop(rbx_deliverer *d)
{
    if (!d)
        return;
    atomic_store(&d->stop, true);
    curl_multi_wakeup(d->multi);
    pthread_join(d->thread, NULL);
    destroy(d);
}
