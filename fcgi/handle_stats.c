/* GET /stats: the caller's counts and mean times per language and status. */
#include "fcgi/service.h"

int rbx_handle_stats(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *body = NULL;
    if (rbx_store_stats(call->svc->store, call->key.user, &body, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, body);
    return 0;
}
