/* GET /stats: the caller's counts and mean times per language and status. */
#include "fcgi/service.h"
#include "fcgi/stored.h"

int rbx_handle_stats(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    rbx_run_stats stats;
    if (rbx_store_stats(call->svc->store, call->key.user, &stats, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, rbx_stored_stats_json(&stats));
    rbx_run_stats_free(&stats);
    return 0;
}
