/* POST /execute/async and POST /execute/batch: validate like /execute, check
 * each callback_url against the guard (so a refused URL is a 400 now rather
 * than a silent failure later), and queue. The 202 goes out only once the
 * jobs are committed to the store: an accepted job is never lost. A batch is
 * queued in one transaction, so it is all queued or none of it is. */
#include <stdio.h>
#include <string.h>

#include "common/wake.h"
#include "fcgi/service.h"
#include "store/jobs.h"
#include "common/url_guard.h"

#define BATCH_MAX 20

/* Validate one submission into job (request borrowed from req). */
static int validate_submission(rbx_call *call, json_object *body, rbx_request **req,
                               rbx_job_new *job, rbx_error *err)
{
    rbx_service *svc = call->svc;
    if (rbx_request_parse(svc->engine, body, true, req, err) < 0)
        return -1;
    job->request = rbx_request_body(*req);
    /* The run's history record names the POST that queued it. */
    job->request_id = call->http ? call->http->request_id : NULL;
    job->callback_url = rbx_request_callback_url(*req);
    rbx_url_target target;
    if (job->callback_url && rbx_url_guard_check(job->callback_url, svc->cfg, &target, err) < 0)
        return -1;
    return 0;
}

static json_object *queued_json(const char *id)
{
    json_object *task = json_object_new_object();
    json_object_object_add(task, "id", json_object_new_string(id));
    json_object_object_add(task, "status", json_object_new_string("queued"));
    return task;
}

int rbx_handle_execute_async(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char id[RBX_JOB_ID_SIZE];
    if (rbx_service_enqueue(call, call->json, id, err) < 0)
        return -1;
    rbx_reply_json(reply, 202, queued_json(id));
    snprintf(reply->location, sizeof(reply->location), "%s/tasks/%s", RBX_API_PREFIX, id);
    return 0;
}

int rbx_service_enqueue(rbx_call *call, json_object *body, char id[37], rbx_error *err)
{
    rbx_service *svc = call->svc;
    rbx_request *req = NULL;
    rbx_job_new job = {0};
    int rc = validate_submission(call, body, &req, &job, err);
    if (rc == 0)
        rc = rbx_jobs_enqueue(svc->store, call->key.user, call->key.id, &job, 1,
                              svc->cfg->jobs_max_queued, svc->cfg->jobs_max_queued_per_key, err);
    rbx_request_free(req);
    if (rc == 0) {
        memcpy(id, job.id, RBX_JOB_ID_SIZE);
        rbx_wake_workers(svc->cfg->state_dir);
    }
    return rc;
}

/* {"submissions": [...]}: an array, nothing else (its size: rbx_service_enqueue_batch). */
static int batch_submissions(json_object *body, json_object **list, rbx_error *err)
{
    json_object_object_foreach(body, key, value)
    {
        (void)value;
        if (strcmp(key, "submissions") != 0)
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, key, "unknown field '%s'", key);
    }
    if (!json_object_object_get_ex(body, "submissions", list) ||
        !json_object_is_type(*list, json_type_array))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "submissions",
                               "submissions must be an array of execute requests");
    return 0;
}

/* Point the error at the submission it is about: submissions[3].language. */
static void locate(rbx_error *err, int index)
{
    char field[sizeof(err->field)];
    if (err->field[0])
        snprintf(field, sizeof(field), "submissions[%d].%.30s", index, err->field);
    else
        snprintf(field, sizeof(field), "submissions[%d]", index);
    memcpy(err->field, field, sizeof(field));
    rbx_error_prefix(err, "submission %d", index);
}

static int validate_batch(rbx_call *call, json_object *list, rbx_request **reqs, rbx_job_new *jobs,
                          rbx_error *err)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        if (!json_object_is_type(item, json_type_object)) {
            rbx_error_raise(err, RBX_ERR_INVALID, NULL, NULL, "must be a JSON object");
            locate(err, (int)i);
            return -1;
        }
        if (validate_submission(call, item, &reqs[i], &jobs[i], err) < 0) {
            locate(err, (int)i);
            return -1;
        }
    }
    return 0;
}

int rbx_handle_execute_batch(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *list;
    char ids[BATCH_MAX][RBX_JOB_ID_SIZE];
    if (batch_submissions(call->json, &list, err) < 0 ||
        rbx_service_enqueue_batch(call, list, ids, err) < 0)
        return -1;
    size_t n = json_object_array_length(list);
    json_object *tasks = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(tasks, queued_json(ids[i]));
    json_object *body = json_object_new_object();
    json_object_object_add(body, "tasks", tasks);
    rbx_reply_json(reply, 202, body);
    return 0;
}

int rbx_service_enqueue_batch(rbx_call *call, json_object *list, char ids[][37], rbx_error *err)
{
    rbx_service *svc = call->svc;
    size_t n = json_object_array_length(list);
    if (n == 0 || n > BATCH_MAX)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "submissions",
                               "a batch holds 1 to %d submissions, not %zu", BATCH_MAX, n);
    rbx_request *reqs[BATCH_MAX] = {0};
    rbx_job_new jobs[BATCH_MAX] = {0};
    int rc = validate_batch(call, list, reqs, jobs, err);
    if (rc == 0)
        rc = rbx_jobs_enqueue(svc->store, call->key.user, call->key.id, jobs, n,
                              svc->cfg->jobs_max_queued, svc->cfg->jobs_max_queued_per_key, err);
    for (size_t i = 0; i < n; i++)
        rbx_request_free(reqs[i]);
    for (size_t i = 0; rc == 0 && i < n; i++)
        memcpy(ids[i], jobs[i].id, RBX_JOB_ID_SIZE);
    if (rc == 0)
        rbx_wake_workers(svc->cfg->state_dir);
    return rc;
}
