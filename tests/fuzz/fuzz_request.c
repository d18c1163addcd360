/* libFuzzer target: an /execute body as the pool reads it. The bytes go
 * through the HTTP JSON reader (json-c, then the strict reader) and, when
 * that accepts them, the request parser with the real language definitions
 * (languages/ of the source tree) and the default configuration. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/request.h"
#include "fcgi/http.h"

static rbx_config cfg;
static rbx_language_set langs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    rbx_error err;
    rbx_config_defaults(&cfg);
    if (rbx_languages_load_dir(RBX_FUZZ_LANGUAGES_DIR, &langs, &err) < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *body = NULL;
    rbx_error err;
    if (rbx_http_parse_json_object((const char *)data, size, &body, &err) < 0)
        return 0;
    for (int for_async = 0; for_async < 2; for_async++) {
        rbx_request *req = NULL;
        if (rbx_request_parse_with(&cfg, &langs, body, for_async, &req, &err) == 0)
            rbx_request_free(req);
    }
    json_object_put(body);
    return 0;
}
