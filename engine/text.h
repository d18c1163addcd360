/* Text on the way out and in: UTF-8 repair and base64 (libsodium, the
 * standard alphabet with padding, as clients' base64 libraries produce). */
#ifndef RBX_ENGINE_TEXT_H
#define RBX_ENGINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A NUL-terminated copy of buf[0..len) where every byte sequence that is not
 * valid UTF-8 (overlong forms, surrogates, code points past U+10FFFF,
 * truncated sequences) and every NUL byte becomes U+FFFD. NULL on ENOMEM. */
char *rbx_utf8_repair(const char *buf, size_t len);

/* Whether buf[0..len) is valid UTF-8 without NUL bytes. */
bool rbx_utf8_valid(const char *buf, size_t len);

/* Base64 of buf[0..len), NUL-terminated; NULL on ENOMEM. */
char *rbx_base64_encode(const char *buf, size_t len);

/* Decode base64 text (whitespace tolerated); -1 when it is not valid base64.
 * *out is NUL-terminated (the length excludes the NUL). */
int rbx_base64_decode(const char *text, size_t text_len, char **out, size_t *out_len);

#endif
