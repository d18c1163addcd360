/* GET /languages and GET /languages/{id}: straight from the engine's definitions. */
#include "fcgi/service.h"

int rbx_handle_languages_list(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = rbx_engine_languages_json(call->svc->engine);
    if (!body)
        return rbx_error_internal(err, "the language list is unavailable");
    rbx_reply_json(reply, 200, body);
    return 0;
}

int rbx_handle_language_get(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = NULL;
    if (rbx_engine_language_json(call->svc->engine, call->param, &body, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, body);
    return 0;
}
