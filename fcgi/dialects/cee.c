/* /code-execution-engine/execute: the seed platform that grades functions
 * ({language, code, function_name, imports, test_cases}). Without
 * callback_url it answers at once in that platform's shape: {id, results[]
 * of input, expected_output, actual_output, passed, time ("0.0457 ms"),
 * memory; all_passed, error, error_details}; with callback_url, 202
 * {"message": "Code execution task accepted", "id"} and the run is one of
 * runbox's async jobs. */
#include <stdio.h>
#include <string.h>

#include "engine/native.h"
#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/run_view.h"

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static json_object *result_json(json_object *r)
{
    json_object *o = json_object_new_object(), *in = get(r, "input");
    char time_text[48];
    json_object *t = get(r, "time_ms");
    snprintf(time_text, sizeof(time_text), "%.4f ms", t ? json_object_get_double(t) : 0.0);
    json_object_object_add(o, "input", json_object_get(in ? in : get(r, "stdin")));
    json_object_object_add(o, "expected_output", json_object_get(get(r, "expected_output")));
    json_object_object_add(o, "actual_output", json_object_get(get(r, "actual_output")));
    json_object_object_add(o, "passed", json_object_get(get(r, "passed")));
    json_object_object_add(o, "time", json_object_new_string(time_text));
    json_object_object_add(o, "memory", json_object_get(get(r, "memory_kb")));
    return o;
}

static json_object *view_text(rbx_view_text t)
{
    return t.data && t.len ? rbx_native_text(t.data, t.len, false) : NULL;
}

static json_object *answer_json(const rbx_report *report, json_object *native)
{
    rbx_run_view v;
    rbx_run_view_of(report, native, false, &v);
    json_object *o = json_object_new_object(), *results = json_object_new_array();
    for (size_t i = 0; v.results && i < json_object_array_length(v.results); i++)
        json_object_array_add(results, result_json(json_object_array_get_idx(v.results, i)));
    rbx_json_put_string(o, "id", v.id);
    json_object_object_add(o, "results", results);
    json_object_object_add(o, "all_passed",
                           json_object_new_boolean(v.has_all_passed && v.all_passed));
    bool failed = v.status && strcmp(v.status, "success") && strcmp(v.status, "wrong_answer");
    rbx_json_put_string(o, "error", failed ? v.status : NULL);
    json_object_object_add(o, "error_details",
                           v.error_details.len     ? view_text(v.error_details)
                           : !failed               ? NULL
                           : v.compile_message.len ? view_text(v.compile_message)
                                                   : view_text(v.err));
    rbx_run_view_free(&v);
    return o;
}

static int handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *cb = get(call->json, "callback_url"), *response;
    if (cb && !json_object_is_type(cb, json_type_null)) {
        char id[37];
        if (rbx_service_enqueue(call, call->json, id, err) < 0)
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
        rbx_reply_json(reply, 200, answer_json(&report, response));
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
