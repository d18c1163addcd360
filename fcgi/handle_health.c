/* GET /health: liveness, version, and the isolation actually in force. */
#include "config.h"

#include "common/slots.h"
#include "fcgi/service.h"

int rbx_handle_health(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)err;
    rbx_service *svc = call->svc;
    json_object *body = json_object_new_object();
    json_object_object_add(body, "status", json_object_new_string("ok"));
    json_object_object_add(body, "version", json_object_new_string(PACKAGE_VERSION));
    json_object_object_add(body, "isolation", rbx_engine_isolation_json(svc->engine));

    /* Load is a hint for operators; a failure to read it must not fail /health. */
    rbx_error ignored;
    int capacity = rbx_config_concurrent_runs(svc->cfg);
    int busy = rbx_slots_in_use(svc->slots_dir, "run", capacity, &ignored);
    json_object *runs = json_object_new_object();
    json_object_object_add(runs, "capacity", json_object_new_int(capacity));
    json_object_object_add(runs, "in_progress", busy >= 0 ? json_object_new_int(busy) : NULL);
    json_object_object_add(body, "runs", runs);
    json_object_object_add(body, "workers", json_object_new_int(svc->cfg->workers));
    json_object_object_add(body, "compile_cache", rbx_engine_cache_json(svc->engine));
    rbx_reply_json(reply, 200, body);
    return 0;
}
