/* Text on the way out and in: UTF-8 repair (common/utf8.h) and base64 (libsodium, the
 * standard alphabet with padding, as clients' base64 libraries produce). */
#ifndef RBX_ENGINE_TEXT_H
#define RBX_ENGINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/utf8.h"

/* Base64 of buf[0..len), NUL-terminated; NULL on ENOMEM. */
char *rbx_base64_encode(const char *buf, size_t len);

/* Decode base64 text (whitespace tolerated); -1 when it is not valid base64.
 * *out is NUL-terminated (the length excludes the NUL). */
int rbx_base64_decode(const char *text, size_t text_len, char **out, size_t *out_len);

#endif
