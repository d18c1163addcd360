/* UTF-8 repair of program output (utf8.h): each invalid sequence becomes
 * U+FFFD, as the WHATWG decoder does (maximal subpart replacement). */
#include "common/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence starting at s (1..4), or 0 when the bytes at s
 * do not start a valid sequence; *bad_len is then how many bytes to replace. */
static size_t valid_sequence(const unsigned char *s, size_t left, size_t *bad_len)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    *bad_len = 1;
    if (c == 0)
        return 0; /* NUL would cut C strings downstream */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else
        return 0;
    for (size_t i = 1; i <= need; i++) {
        if (i >= left || s[i] < lo || s[i] > hi) {
            *bad_len = i; /* the valid prefix is replaced as one unit */
            return 0;
        }
        lo = 0x80, hi = 0xBF;
    }
    return need + 1;
}

char *rbx_utf8_repair(const char *buf, size_t len)
{
    /* Worst case: every byte becomes the 3-byte U+FFFD. */
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t bad;
        size_t n = valid_sequence(s + i, len - i, &bad);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += bad;
        }
    }
    out[o] = '\0';
    return out;
}

bool rbx_utf8_valid(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    for (size_t i = 0; i < len;) {
        size_t bad, n = valid_sequence(s + i, len - i, &bad);
        if (!n)
            return false;
        i += n;
    }
    return true;
}
