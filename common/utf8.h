/* The one UTF-8 repair: JSON must carry valid UTF-8, and programs print
 * whatever bytes they like. The engine's answers and runbox-sandbox's report
 * both repair through here, so the same bytes read the same in either. */
#ifndef RBX_COMMON_UTF8_H
#define RBX_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* A NUL-terminated copy of buf[0..len) where every byte sequence that is not
 * valid UTF-8 (overlong forms, surrogates, code points past U+10FFFF,
 * truncated sequences) and every NUL byte becomes U+FFFD (maximal subpart
 * replacement, as the WHATWG decoder does). NULL on ENOMEM. */
char *rbx_utf8_repair(const char *buf, size_t len);

/* Whether buf[0..len) is valid UTF-8 without NUL bytes. */
bool rbx_utf8_valid(const char *buf, size_t len);

#endif
