/* POST /validate: compile or syntax-check only, with structured diagnostics.
 * It runs the compiler in a sandbox, so it takes a run permit like /execute. */
#include "fcgi/fairness.h"
#include "fcgi/service.h"

int rbx_handle_validate(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    rbx_service *svc = call->svc;
    rbx_request *req = NULL;
    if (rbx_request_parse(svc->engine, call->json, false, &req, err) < 0)
        return -1;

    rbx_run_permit permit;
    json_object *response = NULL;
    int rc = rbx_run_permit_acquire(svc, &call->key, &permit, err);
    if (rc == 0) {
        rc = rbx_engine_validate(svc->engine, req, &response, err);
        rbx_run_permit_release(&permit);
    }
    rbx_request_free(req);
    if (rc < 0)
        return -1;
    rbx_reply_json(reply, 200, response);
    return 0;
}
