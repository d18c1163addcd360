/* base64 through libsodium, the ORIGINAL variant (standard alphabet, padded). */
#include "engine/text.h"

#include <sodium.h>
#include <stdlib.h>

char *rbx_base64_encode(const char *buf, size_t len)
{
    size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    sodium_bin2base64(out, cap, (const unsigned char *)buf, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

int rbx_base64_decode(const char *text, size_t text_len, char **out, size_t *out_len)
{
    size_t cap = text_len / 4 * 3 + 3;
    unsigned char *bin = malloc(cap + 1);
    const char *end = NULL;
    size_t n = 0;
    if (!bin)
        return -1;
    if (sodium_base642bin(bin, cap, text, text_len, " \t\r\n", &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + text_len) {
        free(bin);
        return -1;
    }
    bin[n] = '\0';
    *out = (char *)bin;
    *out_len = n;
    return 0;
}
