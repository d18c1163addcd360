/* /api/v1/execution: the routes of the seed platform whose IDE calls them
 * (execute, execute/async, task/{id}, validate, languages). The requests are
 * native ones (its `timeout`, `session_id` are native fields); the answer of
 * execute carries, besides the native fields, the names that client reads:
 * stdout, stderr, exit_code, execution_time, status. */
#include "fcgi/dialects/dialect.h"

static int handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *response;
    if (rbx_service_execute(call, call->json, &response, err) < 0)
        return -1;
    /* the native answer under the names that client reads (same encoding) */
    json_object *out = json_object_object_get(response, "output");
    json_object *errtext = json_object_object_get(response, "error");
    json_object_object_add(response, "stdout",
                           out ? json_object_get(out) : json_object_new_string(""));
    json_object_object_add(response, "stderr",
                           errtext ? json_object_get(errtext) : json_object_new_string(""));
    rbx_reply_json(reply, 200, response);
    return 0;
}

static const rbx_route ROUTES[] = {
    {"POST", "/execute", handle_execute, true, true, false},
    {"POST", "/execute/async", rbx_handle_execute_async, true, true, false},
    {"GET", "/task/*", rbx_handle_task_get, true, false, false},
    {"POST", "/validate", rbx_handle_validate, true, true, true},
    {"GET", "/languages", rbx_handle_languages_list, false, false, false},
    {"GET", "/languages/*", rbx_handle_language_get, false, false, false},
};

const rbx_dialect rbx_dialect_execution = {
    .name = "execution",
    .prefix = "/api/v1/execution",
    .routes = ROUTES,
    .n_routes = sizeof(ROUTES) / sizeof(ROUTES[0]),
};
