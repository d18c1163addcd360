/* /execute-test: the seed platform that grades C exercises with test code.
 * POST submit (code and tests), execute_code (code only) and encoded (code
 * and tests in base64) take native bodies where C is the default language,
 * and answer the native response. The encoded route decodes here, so its
 * answer is plain text like the others'. */
#include <stdlib.h>
#include <string.h>

#include "engine/text.h"
#include "fcgi/dialects/dialect.h"

/* A copy of the body with language defaulting to C. */
static json_object *with_default_language(json_object *in)
{
    json_object *out = NULL;
    if (json_object_deep_copy(in, &out, NULL) != 0)
        return NULL;
    json_object *l;
    if (!json_object_object_get_ex(out, "language", &l) || !l)
        json_object_object_add(out, "language", json_object_new_string("c"));
    return out;
}

static int run_and_answer(rbx_call *call, json_object *body, rbx_reply *reply, rbx_error *err)
{
    json_object *response;
    int rc = rbx_service_execute(call, body, &response, err);
    json_object_put(body);
    if (rc < 0)
        return -1;
    rbx_reply_json(reply, 200, response);
    return 0;
}

static int handle_submit(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = with_default_language(call->json);
    if (!body)
        return rbx_error_errno(err, "out of memory");
    return run_and_answer(call, body, reply, err);
}

static int handle_execute_code(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = with_default_language(call->json);
    if (!body)
        return rbx_error_errno(err, "out of memory");
    json_object_object_del(body, "tests"); /* code only */
    return run_and_answer(call, body, reply, err);
}

static int decode_in_place(json_object *body, const char *key, rbx_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_string))
        return 0;
    char *raw = NULL;
    size_t len = 0;
    if (rbx_base64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), &raw,
                          &len) < 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, key, "%s is not valid base64", key);
    json_object_object_add(body, key, json_object_new_string_len(raw, (int)len));
    free(raw);
    return 0;
}

static int handle_encoded(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = with_default_language(call->json);
    if (!body)
        return rbx_error_errno(err, "out of memory");
    json_object_object_del(body, "base64_encoded");
    if (decode_in_place(body, "code", err) < 0 || decode_in_place(body, "tests", err) < 0) {
        json_object_put(body);
        return -1;
    }
    return run_and_answer(call, body, reply, err);
}

static const rbx_route ROUTES[] = {
    {"POST", "/submit", handle_submit, true, true, false},
    {"POST", "/execute_code", handle_execute_code, true, true, false},
    {"POST", "/encoded", handle_encoded, true, true, false},
};

const rbx_dialect rbx_dialect_execute_test = {
    .name = "execute-test",
    .prefix = "/execute-test",
    .routes = ROUTES,
    .n_routes = sizeof(ROUTES) / sizeof(ROUTES[0]),
};
