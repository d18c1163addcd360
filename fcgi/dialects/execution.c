/* /api/v1/execution: the routes of the seed platform whose IDE calls them
 * (execute, execute/async, task/{id}, validate, languages). The requests are
 * native ones (its `timeout`, `session_id` are native fields); the answer of
 * execute carries, besides the native fields, the names that client reads:
 * stdout, stderr, exit_code, execution_time, status. */
#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/run_view.h"

static int handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *response;
    if (rbx_service_execute(call, call->json, &response, err) < 0)
        return -1;
    rbx_run_view v;
    rbx_run_view_of(response, &v);
    rbx_json_put_string(response, "stdout", v.stdout_text ? v.stdout_text : "");
    rbx_json_put_string(response, "stderr",
                        v.stderr_text      ? v.stderr_text
                        : v.compile_output ? v.compile_output
                                           : "");
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
