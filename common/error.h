/* rbx_error: how every layer returns a failure to its caller.
 *
 * Deep code never prints. It fills an rbx_error and returns -1; the layer that
 * owns the user (the CLI, the FastCGI handler, the worker) decides how to show
 * it. An error carries a kind (what went wrong, in the service's terms), the
 * API error code of DESIGN.md section 3 and the offending field; no layer but
 * fcgi/ knows HTTP: fcgi/http.h maps kinds to statuses in one place, and the
 * worker decides retries from the kind. */
#ifndef RBX_COMMON_ERROR_H
#define RBX_COMMON_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rbx_error_kind {
    RBX_ERR_INTERNAL = 0,  /* a failure of the service itself */
    RBX_ERR_INVALID,       /* the request is malformed: a wrong type, an unknown field */
    RBX_ERR_UNAUTHORIZED,  /* no key, or one that is unknown or revoked */
    RBX_ERR_FORBIDDEN,     /* known, but not allowed this (a browser origin not let in) */
    RBX_ERR_NOT_FOUND,     /* nothing of that name or id (or it is another user's) */
    RBX_ERR_NOT_ALLOWED,   /* a method the route does not take */
    RBX_ERR_CONFLICT,      /* the thing is not in a state that allows it */
    RBX_ERR_TOO_LARGE,     /* a body, a file or a field over its size */
    RBX_ERR_UNSUPPORTED,   /* a body in a media type the route does not take */
    RBX_ERR_OVER_LIMIT,    /* a value over the server's maximum */
    RBX_ERR_UNPROCESSABLE, /* well-formed, but not something the route can act on */
    RBX_ERR_RATE_LIMITED,  /* the caller has too many requests or runs in progress */
    RBX_ERR_BUSY,          /* no capacity now: the same request may succeed later */
    RBX_ERR_UPSTREAM,      /* a party the service called (a callback receiver) failed */
} rbx_error_kind;

typedef struct rbx_error {
    rbx_error_kind kind;
    char code[32];     /* API error code: invalid_request, unauthorized, not_found, ... */
    char field[64];    /* offending request field, "" when none */
    char message[512]; /* one human-readable sentence */
    int retry_after;   /* seconds, for rate_limited and busy; 0 when not applicable */
} rbx_error;

void rbx_error_clear(rbx_error *err);

/* Fill err; returns -1 so callers can write `return rbx_error_raise(...)`.
 * code NULL: the kind's own (rbx_error_kind_code). err may be NULL. */
int rbx_error_raise(rbx_error *err, rbx_error_kind kind, const char *code, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The API code of a kind: invalid_request, unauthorized, not_found, ... */
const char *rbx_error_kind_code(rbx_error_kind kind);
/* The kind of an API code (the worker reads its child's errors back); internal when unknown. */
rbx_error_kind rbx_error_kind_of_code(const char *code);

/* Whether the same request may succeed later (busy, rate limited). */
bool rbx_error_is_transient(const rbx_error *err);

/* A failure with no client-facing meaning (internal_error). */
int rbx_error_internal(rbx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like rbx_error_internal, with ": strerror(errno)" appended (errno read on
 * entry); rbx_error_storage_full when errno says the disk is full. */
int rbx_error_errno(rbx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The host's storage is full (ENOSPC, EDQUOT, SQLITE_FULL): 503 storage_full
 * with Retry-After, which clears without a restart once space is freed.
 * rbx_error_errno() gives it for those errnos by itself. */
#define RBX_STORAGE_FULL_RETRY_AFTER 30
int rbx_error_storage_full(rbx_error *err, const char *what);

/* Prefix an existing message with more context: "context: old message". */
void rbx_error_prefix(rbx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
