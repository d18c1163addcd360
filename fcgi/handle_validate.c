/* POST /validate: compile or syntax-check only, with structured diagnostics.
 * It runs the compiler in a sandbox, so it takes a run permit like /execute. */
#include "fcgi/fairness.h"
#include "fcgi/service.h"

int rbx_service_validate(rbx_call *call, json_object *body, json_object **out, rbx_error *err)
{
    rbx_service *svc = call->svc;
    rbx_request *req = NULL;
    *out = NULL;
    if (rbx_request_parse(svc->engine, body, false, &req, err) < 0)
        return -1;

    rbx_run_permit permit;
    json_object *response = NULL;
    int rc = rbx_run_permit_acquire(svc, &call->key, &permit, err);
    if (rc == 0) {
        rc = rbx_engine_validate(svc->engine, req, &response, err);
        rbx_run_permit_release(&permit);
    }
    rbx_request_free(req);
    *out = response;
    return rc;
}

int rbx_handle_validate(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *response;
    if (rbx_service_validate(call, call->json, &response, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, response);
    return 0;
}
