/* rbx_error: how every layer returns a failure to its caller.
 *
 * Deep code never prints. It fills an rbx_error and returns -1; the layer that
 * owns the user (the CLI, the FastCGI handler, the worker) decides how to show
 * it. `status` and `code` are the HTTP status and the API error code of
 * DESIGN.md section 3; lower layers that know nothing of HTTP leave them at
 * 500 / "internal_error" through rbx_error_set_internal(). */
#ifndef RBX_COMMON_ERROR_H
#define RBX_COMMON_ERROR_H

#include <stddef.h>

typedef struct rbx_error {
    int status;        /* HTTP status to answer with (400, 401, 404, 413, 422, 429, 500, 503...) */
    char code[32];     /* API error code: invalid_request, unauthorized, not_found, ... */
    char field[64];    /* offending request field, "" when none */
    char message[512]; /* one human-readable sentence */
    int retry_after;   /* seconds, for 429/503; 0 when not applicable */
} rbx_error;

void rbx_error_clear(rbx_error *err);

/* Fill err; returns -1 so callers can write `return rbx_error_set(...)`. err may be NULL. */
int rbx_error_set(rbx_error *err, int status, const char *code, const char *field, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* A failure with no client-facing meaning (500 internal_error). */
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
