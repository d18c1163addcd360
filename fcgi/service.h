/* What every handler of runbox-fcgi works with: the worker's long-lived
 * resources (opened once per pool process) and the call being answered. */
#ifndef RBX_FCGI_SERVICE_H
#define RBX_FCGI_SERVICE_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "common/config.h"
#include "common/error.h"
#include "common/metrics.h"
#include "engine/engine.h"
#include "fcgi/http.h"
#include "store/store.h"

typedef struct rbx_service {
    const rbx_config *cfg;
    rbx_engine *engine;
    rbx_store *store;
    char slots_dir[PATH_MAX]; /* state_dir/slots: see common/slots.h */
    bool light;               /* a light worker: read-only routes only, no sandbox */
    int queue_wait_left_ms;   /* of queue_wait_ms, what the request being answered may
                                 still wait for a sandbox (fcgi/router.c, admit) */
    rbx_metrics metrics;      /* the host's shared counters (common/metrics.h) */
} rbx_service;

/* One routed request. */
typedef struct rbx_call {
    rbx_service *svc;
    const rbx_http_request *http;
    const char *param; /* the {id} path segment, NULL when the route has none */
    json_object *json; /* the parsed body for routes that take one (borrowed) */
    rbx_key_info key;  /* the authenticated caller, for routes that need a key */
} rbx_call;

/* What a handler answers: a status and a JSON body (NULL: no body, e.g. 204). */
typedef struct rbx_reply {
    int status;
    json_object *body; /* owned by the reply */
    char allow[64];    /* Allow header for 405; the methods of a CORS preflight */
    bool preflight;    /* a CORS preflight answered (fcgi/cors.c) */
    int retry_after;   /* Retry-After seconds for 429/503, 0 for none */
    char location[96]; /* Location header (the task of a 202), "" for none */
    char *text;        /* a body that is not JSON (owned), with its type */
    size_t text_len;
    const char *content_type;
    /* For the log line and /metrics: which route answered ("POST /execute"),
     * who asked, what ran, and the error code of a refusal. */
    char route[64];
    char user[128];
    char key_prefix[16];
    char language[64];
    char verdict[32];
    char error_code[40];
} rbx_reply;

/* Handlers fill reply and return 0, or return -1 with err (the error envelope). */
typedef int (*rbx_handler)(rbx_call *call, rbx_reply *reply, rbx_error *err);

int rbx_handle_health(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_languages_list(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_language_get(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_validate(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_history_list(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_history_get(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_history_delete(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_stats(rbx_call *call, rbx_reply *reply, rbx_error *err);
/* Async runs (fcgi/handle_async.c, fcgi/handle_tasks.c). */
int rbx_handle_execute_async(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_execute_batch(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_task_get(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_tasks_list(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_task_cancel(rbx_call *call, rbx_reply *reply, rbx_error *err);
int rbx_handle_metrics(rbx_call *call, rbx_reply *reply, rbx_error *err);

/* The one way to a run, for native and dialect handlers alike: validate a
 * native body, run it under the caller's permit, record it in the caller's
 * history; *out is the native response. */
int rbx_service_execute(rbx_call *call, json_object *body, json_object **out, rbx_error *err);
/* The same, with the typed report the answer was written from (for the
 * dialects' writers); the report is always initialised: free it whatever
 * the result. */
struct rbx_report;
int rbx_service_run(rbx_call *call, json_object *body, struct rbx_report *report, json_object **out,
                    rbx_error *err);
/* POST /validate's flow over a native body. */
int rbx_service_validate(rbx_call *call, json_object *body, json_object **out, rbx_error *err);
/* Queue a native body as the caller's async job; id gets the job's id. */
int rbx_service_enqueue(rbx_call *call, json_object *body, char id[37], rbx_error *err);
/* Queue 1 to 20 native bodies in one transaction (all or none). */
int rbx_service_enqueue_batch(rbx_call *call, json_object *list, char ids[][37], rbx_error *err);

static inline void rbx_reply_json(rbx_reply *reply, int status, json_object *body)
{
    reply->status = status;
    reply->body = body;
}

/* A body that is not JSON (/metrics' text format): text is malloc'ed and
 * owned by the reply from now on. */
static inline void rbx_reply_text(rbx_reply *reply, int status, const char *content_type,
                                  char *text, size_t len)
{
    reply->status = status;
    reply->text = text;
    reply->text_len = len;
    reply->content_type = content_type;
}

#endif
