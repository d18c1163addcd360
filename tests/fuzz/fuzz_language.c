/* libFuzzer target: the language-definition loader (one file of languages/, JSON). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/language.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rbx_language *lang = NULL;
    rbx_error err;
    if (rbx_language_parse(text, "fuzz.json", &lang, &err) == 0)
        rbx_language_free(lang);
    free(text);
    return 0;
}
