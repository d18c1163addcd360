/* libFuzzer target: the query-string parser. The input is "name\nquery": the
 * parameter asked for, then the QUERY_STRING nginx passes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *query = strchr(text, '\n');
    const char *name = "limit";
    if (query) {
        *query++ = '\0';
        name = text;
    } else
        query = text;
    char out[256];
    long long n;
    rbx_error err;
    rbx_http_query_get(query, name, out, sizeof(out), &err);
    rbx_http_query_get(query, name, out, 1, &err);
    rbx_http_query_int(query, name, -1000, 1000, 7, &n, &err);
    free(text);
    return 0;
}
