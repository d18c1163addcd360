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

/* Delay before the next attempt after `attempts` failed ones (1, 2, ...):
 * exponential from callback_initial_backoff_ms, capped at
 * callback_max_backoff_ms, with "equal jitter" (a uniform pick in [d/2, d])
 * so that receivers coming back up are not hit by every worker at once. */
long rbx_callback_backoff_ms(const rbx_config *cfg, int attempts);

#endif
