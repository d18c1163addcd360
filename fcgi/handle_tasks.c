/* GET /tasks/{id}, GET /tasks?ids=a,b,..., DELETE /tasks/{id}: the caller's
 * own async jobs. As with /history, an id that is not a UUID, that does not
 * exist, or that belongs to someone else all answer 404. */
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>

#include "fcgi/service.h"
#include "fcgi/stored.h"
#include "store/jobs.h"

#define TASKS_MAX_IDS 100

/* Canonical (lower-case) form of a UUID, or false. */
static bool canonical_id(const char *text, char out[RBX_JOB_ID_SIZE])
{
    uuid_t id;
    if (!text || uuid_parse(text, id) != 0)
        return false;
    uuid_unparse_lower(id, out);
    return true;
}

static int task_id(const char *param, char out[RBX_JOB_ID_SIZE], rbx_error *err)
{
    if (!canonical_id(param, out))
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, "id", "no task with id '%s'",
                               param ? param : "");
    return 0;
}

int rbx_handle_task_get(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char id[RBX_JOB_ID_SIZE];
    rbx_job_state state;
    if (task_id(call->param, id, err) < 0 ||
        rbx_jobs_get(call->svc->store, call->key.user, id, &state, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, rbx_stored_task_json(&state));
    rbx_job_state_clear(&state);
    return 0;
}

int rbx_handle_task_cancel(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char id[RBX_JOB_ID_SIZE];
    rbx_job_state state;
    if (task_id(call->param, id, err) < 0 ||
        rbx_jobs_cancel(call->svc->store, call->key.user, id, &state, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, rbx_stored_task_json(&state));
    rbx_job_state_clear(&state);
    return 0;
}

/* Split "a,b,c" into canonical ids; an entry that is not a UUID is kept
 * as written so it comes back as not_found in its place. */
static int split_ids(char *list, char ids[][RBX_JOB_ID_SIZE + 1], const char **ptrs, size_t *n,
                     rbx_error *err)
{
    *n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == TASKS_MAX_IDS)
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "ids", "at most %d ids at once",
                                   TASKS_MAX_IDS);
        if (!canonical_id(tok, ids[*n]))
            snprintf(ids[*n], RBX_JOB_ID_SIZE + 1, "%.36s", tok);
        ptrs[*n] = ids[*n];
        (*n)++;
    }
    if (*n == 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "ids",
                               "ids must list task ids separated by commas");
    return 0;
}

int rbx_handle_tasks_list(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char list[TASKS_MAX_IDS * (RBX_JOB_ID_SIZE + 1) + 64];
    static char ids[TASKS_MAX_IDS][RBX_JOB_ID_SIZE + 1];
    const char *ptrs[TASKS_MAX_IDS];
    size_t n;
    int rc = rbx_http_query_get(call->http->query, "ids", list, sizeof(list), err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "ids",
                               "GET /tasks needs ?ids=<id>,<id>,...");
    static rbx_job_state states[TASKS_MAX_IDS];
    if (split_ids(list, ids, ptrs, &n, err) < 0 ||
        rbx_jobs_get_many(call->svc->store, call->key.user, ptrs, n, states, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, rbx_stored_tasks_json(states, n));
    for (size_t i = 0; i < n; i++)
        rbx_job_state_clear(&states[i]);
    return 0;
}
