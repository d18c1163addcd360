/* GET /health: liveness, version, the isolation actually in force, which
 * host answered and whether its store answers: a host that cannot reach its
 * store answers 503, so a load balancer drops it. */
#include "config.h"

#include "common/slots.h"
#include "fcgi/service.h"

int rbx_handle_health(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)err;
    rbx_service *svc = call->svc;
    json_object *body = json_object_new_object();
    rbx_error store_err;
    rbx_error_clear(&store_err);
    bool store_ok = rbx_store_ping(svc->store, &store_err) == 0;
    json_object_object_add(body, "status", json_object_new_string(store_ok ? "ok" : "unavailable"));
    json_object_object_add(body, "version", json_object_new_string(PACKAGE_VERSION));
    char host[64];
    rbx_config_host_name(svc->cfg, host, sizeof(host));
    json_object_object_add(body, "host", json_object_new_string(host));
    json_object *store = json_object_new_object();
    json_object_object_add(store, "backend",
                           json_object_new_string(rbx_store_backend_name(svc->store)));
    json_object_object_add(store, "ok", json_object_new_boolean(store_ok));
    if (!store_ok)
        json_object_object_add(store, "error", json_object_new_string(store_err.message));
    json_object_object_add(body, "store", store);
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
    rbx_reply_json(reply, store_ok ? 200 : 503, body);
    return 0;
}
