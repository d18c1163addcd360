/* Callback delivery: one signed POST of a job's result to its callback_url.
 *
 * The request carries Content-Type: application/json, X-Runbox-Delivery (the
 * delivery id, stable across retries so a receiver can drop duplicates) and
 * X-Runbox-Signature: sha256=<hex HMAC-SHA256 of the exact body>, keyed with
 * the API key's signing secret as printed by `runboxctl key create` (its text,
 * as GitHub-style webhooks do). A 2xx answer is a delivery; anything else is a
 * failure the caller retries after rbx_callback_backoff_ms(). Redirects are
 * not followed, proxies from the environment are ignored, and the connection
 * goes to the address rbx_url_guard_check() resolved and approved. */
#ifndef RBX_WORKER_CALLBACK_H
#define RBX_WORKER_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>

struct curl_slist;

#include "common/config.h"
#include "common/error.h"

#define RBX_SIGNATURE_SIZE 72 /* "sha256=" + 64 hex digits + NUL */

/* "sha256=<hex>" of body under secret into out[RBX_SIGNATURE_SIZE]. */
void rbx_callback_sign(const char *secret, const char *body, size_t len, char *out);

typedef struct rbx_callback_outcome {
    long http_status; /* the receiver's status, 0 when no answer came */
    bool retryable;   /* false when no retry can help (the URL is refused) */
} rbx_callback_outcome;

/* One delivery attempt. 0 when the receiver answered 2xx; -1 with err and
 * *outcome describing what happened otherwise. */
int rbx_callback_deliver(const rbx_config *cfg, const char *url, const char *body, size_t len,
                         const char *secret, const char *delivery_id, rbx_callback_outcome *outcome,
                         rbx_error *err);

/* One attempt prepared for the caller to perform (curl_easy_perform, or a
 * multi handle): the easy handle owns its headers and pinned address; body
 * is not copied and must outlive the request. */
typedef struct rbx_callback_request {
    void *easy; /* the CURL easy handle */
    struct curl_slist *headers, *resolve;
    char destination[300]; /* "host:port" the URL names: per-destination limits count these */
    const rbx_config *cfg; /* for the check of the address curl connects to */
    const char *refused;   /* why that address was refused, NULL when it was not */
} rbx_callback_request;

/* Check url against the guard and build the signed request. -1 with err and
 * *outcome (retryable or not) when the URL is refused or memory ran out. */
int rbx_callback_prepare(const rbx_config *cfg, const char *url, const char *body, size_t len,
                         const char *secret, const char *delivery_id, rbx_callback_request *req,
                         rbx_callback_outcome *outcome, rbx_error *err);

/* The outcome of a performed request (curl_code is its CURLcode): 0 when the
 * receiver answered 2xx, -1 with err otherwise (retryable unless the address
 * connected to was refused). */
int rbx_callback_finish(rbx_callback_request *req, int curl_code, rbx_callback_outcome *outcome,
                        rbx_error *err);

void rbx_callback_request_free(rbx_callback_request *req);

/* Delay before the next attempt after `attempts` failed ones (1, 2, ...):
 * exponential from callback_initial_backoff_ms, capped at
 * callback_max_backoff_ms, with "equal jitter" (a uniform pick in [d/2, d])
 * so that receivers coming back up are not hit by every worker at once. */
long rbx_callback_backoff_ms(const rbx_config *cfg, int attempts);

#endif
