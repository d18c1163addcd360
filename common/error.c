#include "common/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rbx_error_clear(rbx_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

static const char *const kind_codes[] = {
    [RBX_ERR_INTERNAL] = "internal_error",
    [RBX_ERR_INVALID] = "invalid_request",
    [RBX_ERR_UNAUTHORIZED] = "unauthorized",
    [RBX_ERR_FORBIDDEN] = "forbidden",
    [RBX_ERR_NOT_FOUND] = "not_found",
    [RBX_ERR_NOT_ALLOWED] = "method_not_allowed",
    [RBX_ERR_CONFLICT] = "conflict",
    [RBX_ERR_TOO_LARGE] = "payload_too_large",
    [RBX_ERR_UNSUPPORTED] = "unsupported_media_type",
    [RBX_ERR_OVER_LIMIT] = "limit_exceeded",
    [RBX_ERR_UNPROCESSABLE] = "invalid_request",
    [RBX_ERR_RATE_LIMITED] = "too_many_requests",
    [RBX_ERR_BUSY] = "overloaded",
    [RBX_ERR_UPSTREAM] = "bad_gateway",
};

#define N_KINDS (sizeof(kind_codes) / sizeof(kind_codes[0]))

const char *rbx_error_kind_code(rbx_error_kind kind)
{
    return (size_t)kind < N_KINDS ? kind_codes[kind] : "internal_error";
}

rbx_error_kind rbx_error_kind_of_code(const char *code)
{
    for (size_t i = 0; code && i < N_KINDS; i++)
        if (strcmp(kind_codes[i], code) == 0)
            return (rbx_error_kind)i;
    return RBX_ERR_INTERNAL;
}

bool rbx_error_is_transient(const rbx_error *err)
{
    return err->kind == RBX_ERR_BUSY || err->kind == RBX_ERR_RATE_LIMITED;
}

static void set_fields(rbx_error *err, rbx_error_kind kind, const char *code, const char *field)
{
    err->kind = kind;
    snprintf(err->code, sizeof(err->code), "%s", code ? code : rbx_error_kind_code(kind));
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    err->retry_after = 0;
}

int rbx_error_raise(rbx_error *err, rbx_error_kind kind, const char *code, const char *field,
                    const char *fmt, ...)
{
    if (!err)
        return -1;
    set_fields(err, kind, code, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

int rbx_error_internal(rbx_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    set_fields(err, RBX_ERR_INTERNAL, NULL, NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

int rbx_error_storage_full(rbx_error *err, const char *what)
{
    rbx_error_raise(err, RBX_ERR_BUSY, "storage_full", NULL,
                    "the server's storage is full (%s); retry later", what);
    if (err)
        err->retry_after = RBX_STORAGE_FULL_RETRY_AFTER;
    return -1;
}

int rbx_error_errno(rbx_error *err, const char *fmt, ...)
{
    int saved = errno;
    if (!err)
        return -1;
    bool full = saved == ENOSPC || saved == EDQUOT;
    /* a full disk is no fault of the request, and passes: busy, retry later */
    set_fields(err, full ? RBX_ERR_BUSY : RBX_ERR_INTERNAL, full ? "storage_full" : NULL, NULL);
    if (full)
        err->retry_after = RBX_STORAGE_FULL_RETRY_AFTER;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(err->message))
        snprintf(err->message + n, sizeof(err->message) - (size_t)n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

void rbx_error_prefix(rbx_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char old[sizeof(err->message)];
    memcpy(old, err->message, sizeof(old));
    size_t plen = strnlen(prefix, sizeof(prefix));
    size_t room = sizeof(err->message) - 1;
    size_t n = plen < room ? plen : room;
    memcpy(err->message, prefix, n);
    if (n + 2 <= room) {
        memcpy(err->message + n, ": ", 2);
        n += 2;
    }
    size_t olen = strnlen(old, sizeof(old) - 1);
    size_t take = olen < room - n ? olen : room - n;
    memcpy(err->message + n, old, take);
    err->message[n + take] = '\0';
}
