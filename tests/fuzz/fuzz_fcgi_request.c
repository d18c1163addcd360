/* libFuzzer target: how the pool assembles one request from what FastCGI
 * hands it: the parameters (NUL-separated NAME=VALUE strings, up to a blank
 * one), then the body. Each is read as serve.c does: the HTTP fields, the
 * route, the bearer key, the content type and the JSON body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/auth.h"
#include "fcgi/http.h"
#include "fcgi/router.h"

#define MAX_PARAMS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *envp[MAX_PARAMS + 1];
    size_t n = 0, at = 0;
    while (at < size && n < MAX_PARAMS && buf[at] != '\0') {
        envp[n++] = buf + at;
        at += strlen(buf + at) + 1;
    }
    envp[n] = NULL;
    const char *body = at < size ? buf + at + 1 : "";
    size_t body_len = at < size ? size - at - 1 : 0;

    rbx_http_request req;
    rbx_http_request_init(&req, envp);
    rbx_error err;
    char param[128], allow[64];
    const char *p = NULL;
    rbx_route_match(req.method ? req.method : "GET", req.path ? req.path : "/", param,
                    sizeof(param), &p, allow, sizeof(allow), &err);
    rbx_auth_bearer_token(req.authorization);
    if (rbx_http_require_json(&req, &err) == 0) {
        json_object *obj = NULL;
        if (rbx_http_parse_json_object(body, body_len, &obj, &err) == 0)
            json_object_put(obj);
    }
    free(buf);
    return 0;
}
