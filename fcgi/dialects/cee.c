/* /code-execution-engine/execute: the seed platform that grades functions
 * ({language, code, function_name, imports, test_cases}). Without
 * callback_url it answers at once in that platform's shape: {id, results[]
 * of input, expected_output, actual_output, passed, time ("0.0457 ms"),
 * memory; all_passed, error, error_details}; with callback_url, 202
 * {"message": "Code execution task accepted", "id"}, the run is one of
 * runbox's async jobs and its callback is in the same shape (shapes.h). */
#include <string.h>

#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/shapes.h"

static int handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *cb = NULL, *response;
    json_object_object_get_ex(call->json, "callback_url", &cb);
    if (cb && !json_object_is_type(cb, json_type_null)) {
        char id[37];
        json_object *body = NULL; /* the callback in this platform's shape */
        if (json_object_deep_copy(call->json, &body, NULL) != 0)
            return rbx_error_errno(err, "out of memory");
        json_object_object_add(body, "callback_format",
                               json_object_new_string("code-execution-engine"));
        int rc = rbx_service_enqueue(call, body, id, err);
        json_object_put(body);
        if (rc < 0)
            return -1;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "message",
                               json_object_new_string("Code execution task accepted"));
        json_object_object_add(o, "id", json_object_new_string(id));
        rbx_reply_json(reply, 202, o);
        return 0;
    }
    rbx_report report;
    int rc = rbx_service_run(call, call->json, &report, &response, err);
    if (rc == 0)
        rbx_reply_json(reply, 200, cee_answer_json(&report, response));
    rbx_report_free(&report);
    json_object_put(response);
    return rc;
}

static const rbx_route ROUTES[] = {
    {"POST", "/execute", handle_execute, true, true, false},
};

const rbx_dialect rbx_dialect_cee = {
    .name = "code-execution-engine",
    .prefix = "/code-execution-engine",
    .routes = ROUTES,
    .n_routes = sizeof(ROUTES) / sizeof(ROUTES[0]),
};
