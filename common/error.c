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

static void set_fields(rbx_error *err, int status, const char *code, const char *field)
{
    err->status = status;
    snprintf(err->code, sizeof(err->code), "%s", code ? code : "internal_error");
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    err->retry_after = 0;
}

int rbx_error_set(rbx_error *err, int status, const char *code, const char *field, const char *fmt,
                  ...)
{
    if (!err)
        return -1;
    set_fields(err, status, code, field);
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
    set_fields(err, 500, "internal_error", NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

int rbx_error_storage_full(rbx_error *err, const char *what)
{
    rbx_error_set(err, 503, "storage_full", NULL, "the server's storage is full (%s); retry later",
                  what);
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
    set_fields(err, full ? 503 : 500, full ? "storage_full" : "internal_error", NULL);
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
