/* Time in one place: the millisecond clock every layer measures with, and
 * the one timestamp format the API and the store use (ISO 8601, UTC,
 * milliseconds: "2026-12-01T21:45:36.645Z"). */
#ifndef RBX_COMMON_CLOCK_H
#define RBX_COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: for durations and deadlines. */
uint64_t rbx_clock_ms(void);

/* Milliseconds since the epoch (CLOCK_REALTIME): for timestamps. */
int64_t rbx_clock_unix_ms(void);

/* Buffer size for rbx_clock_iso8601: "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL. */
#define RBX_ISO8601_SIZE 32

/* unix_ms as ISO 8601 UTC with milliseconds into out; returns out. */
char *rbx_clock_iso8601(int64_t unix_ms, char *out, size_t outsz);

#endif
