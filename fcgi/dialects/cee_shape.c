/* The function-grading platform's answer (and callback) shape. */
#include <stdio.h>
#include <string.h>

#include "engine/native.h"
#include "fcgi/dialects/shapes.h"

static void put_string(json_object *o, const char *key, const char *s)
{
    json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

/* input, expected_output, actual_output, passed, time ("0.0000 ms"), memory */
static json_object *result_json(const rbx_view_case *c)
{
    json_object *o = json_object_new_object();
    char time_text[48];
    snprintf(time_text, sizeof(time_text), "%.4f ms", (double)c->time_ms);
    json_object_object_add(o, "input", json_object_get(c->input));
    json_object_object_add(o, "expected_output", json_object_get(c->expected));
    json_object_object_add(o, "actual_output", json_object_get(c->actual));
    json_object_object_add(o, "passed", json_object_new_boolean(c->passed));
    json_object_object_add(o, "time", json_object_new_string(time_text));
    json_object_object_add(o, "memory", c->measured ? json_object_new_int64(c->memory_kb) : NULL);
    return o;
}

static json_object *view_text(rbx_view_text t)
{
    return t.data && t.len ? rbx_native_text(t.data, t.len, false) : NULL;
}

json_object *cee_answer_json(const rbx_report *report, json_object *native)
{
    rbx_run_view v;
    /* Out of memory, the view holds what it could read: no cases. */
    if (report)
        rbx_run_view_of(report, false, &v);
    else
        rbx_run_view_of_native(native, false, &v);
    json_object *o = json_object_new_object(), *results = json_object_new_array();
    for (size_t i = 0; i < v.n_cases; i++)
        json_object_array_add(results, result_json(&v.cases[i]));
    put_string(o, "id", v.id);
    json_object_object_add(o, "results", results);
    json_object_object_add(o, "all_passed",
                           json_object_new_boolean(v.has_all_passed && v.all_passed));
    bool failed = v.status && strcmp(v.status, "success") && strcmp(v.status, "wrong_answer");
    put_string(o, "error", failed ? v.status : NULL);
    json_object_object_add(o, "error_details",
                           v.error_details.len     ? view_text(v.error_details)
                           : !failed               ? NULL
                           : v.compile_message.len ? view_text(v.compile_message)
                                                   : view_text(v.err));
    rbx_run_view_free(&v);
    return o;
}
