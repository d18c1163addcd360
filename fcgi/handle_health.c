/* GET /health: liveness, version, the isolation actually in force, which
 * host answered, whether its store answers and its disk has room: a host
 * that cannot reach its store answers 503 unavailable, one whose state_dir
 * is full 503 degraded, so a load balancer drops it. */
#include "config.h"

#include <sys/statvfs.h>

#include "common/slots.h"
#include "fcgi/service.h"

/* Below this much free space (or a handful of inodes) in state_dir, runs
 * cannot keep their dirs and results: /health says degraded (503), and runs
 * get 503 storage_full, until space is freed (no restart needed). */
#define MIN_FREE_KB 1024
#define MIN_FREE_INODES 64

static json_object *storage_json(const rbx_config *cfg, bool *full)
{
    struct statvfs st;
    json_object *out = json_object_new_object();
    *full = false;
    if (statvfs(cfg->state_dir, &st) < 0)
        return out; /* unknown is not full: the store check covers a lost dir */
    unsigned long long free_kb = (unsigned long long)st.f_bavail * st.f_frsize / 1024;
    *full = free_kb < MIN_FREE_KB || (st.f_files > 0 && st.f_favail < MIN_FREE_INODES);
    json_object_object_add(out, "free_kb", json_object_new_int64((int64_t)free_kb));
    json_object_object_add(out, "full", json_object_new_boolean(*full));
    return out;
}

int rbx_handle_health(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)err;
    rbx_service *svc = call->svc;
    json_object *body = json_object_new_object();
    rbx_error store_err;
    rbx_error_clear(&store_err);
    bool store_ok = rbx_store_ping(svc->store, &store_err) == 0, full;
    json_object *storage = storage_json(svc->cfg, &full);
    json_object_object_add(body, "status",
                           json_object_new_string(!store_ok ? "unavailable"
                                                  : full    ? "degraded"
                                                            : "ok"));
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
    json_object_object_add(body, "storage", storage);
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
    rbx_reply_json(reply, store_ok && !full ? 200 : 503, body);
    return 0;
}
