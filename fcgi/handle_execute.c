/* POST /execute: validate, take a run permit, run, store, answer. The run is
 * in the history before the answer leaves, so an answered run is never lost. */
#include <stdio.h>
#include <uuid/uuid.h>

#include "engine/native.h"
#include "engine/report.h"
#include "fcgi/fairness.h"
#include "fcgi/service.h"

static void new_run_id(char out[37])
{
    uuid_t id;
    uuid_generate_random(id);
    uuid_unparse_lower(id, out);
}

static int run_with_permit(rbx_call *call, const rbx_request *req, const char *run_id,
                           rbx_report *report, json_object **response, rbx_error *err)
{
    rbx_run_permit permit;
    if (rbx_run_permit_acquire(call->svc, &call->key, &permit, err) < 0)
        return -1;
    /* the report is still empty: the engine fills it from the start */
    int rc = rbx_engine_execute_report(call->svc->engine, req, run_id, report, response, err);
    rbx_run_permit_release(&permit);
    return rc;
}

/* A graded run's time is that of its cases together. */
static void count_run(rbx_metrics *m, const rbx_report *r)
{
    uint64_t wall = r->n_cases ? r->wall_ms : r->run.wall_ms;
    rbx_metrics_count_run(m, r->language, rbx_verdict_name(r->verdict),
                          r->compile.ran && !r->compile.cached, r->compile.time_ms, wall);
}

/* The record keeps the request's id (nginx's, answered as X-Request-Id and
 * in the log line), so a complaint quoting it finds its run; the answer has
 * it in its header already. The record's facts come from the report, the
 * stored answer is the text the writer produced. */
static int record_run(rbx_call *call, const rbx_request *req, const rbx_report *report,
                      json_object *response, rbx_error *err)
{
    rbx_run_record rec;
    rbx_run_input in;
    rbx_native_record(report, &rec);
    if (call->http)
        snprintf(rec.request_id, sizeof(rec.request_id), "%s", call->http->request_id);
    rbx_run_input_of_body(rbx_request_body(req), &in);
    int rc = rbx_store_history_add(call->svc->store, call->key.user, &in, &rec,
                                   json_object_to_json_string_ext(response, JSON_C_TO_STRING_PLAIN),
                                   err);
    if (rc < 0)
        rbx_error_prefix(err, "the run finished but could not be recorded");
    return rc;
}

int rbx_service_execute(rbx_call *call, json_object *body, json_object **out, rbx_error *err)
{
    rbx_report report;
    int rc = rbx_service_run(call, body, &report, out, err);
    rbx_report_free(&report);
    return rc;
}

static void release_request(void *req)
{
    rbx_request_free(req);
}

int rbx_service_run(rbx_call *call, json_object *body, rbx_report *report, json_object **out,
                    rbx_error *err)
{
    rbx_service *svc = call->svc;
    rbx_request *req = NULL;
    *out = NULL;
    rbx_report_init(report, "", NULL, NULL);
    if (rbx_request_parse(svc->engine, body, false, &req, err) < 0)
        return -1;

    char run_id[37];
    new_run_id(run_id);
    json_object *response = NULL;
    int rc = run_with_permit(call, req, run_id, report, &response, err);
    if (rc == 0)
        count_run(&svc->metrics, report);
    if (rc == 0 && rbx_request_save_history(req))
        rc = record_run(call, req, report, response, err);
    /* The report's spec points into the request: the dialects' writers read
     * a graded run's inputs from it, so the request lives as long as the report. */
    report->owner = req;
    report->release = release_request;
    if (rc < 0) {
        json_object_put(response);
        return -1;
    }
    *out = response;
    return 0;
}

int rbx_handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *response;
    rbx_report report;
    int rc = rbx_service_run(call, call->json, &report, &response, err);
    if (rc == 0) {
        rbx_reply_json(reply, 200, response);
        snprintf(reply->language, sizeof(reply->language), "%s", report.language);
        snprintf(reply->verdict, sizeof(reply->verdict), "%s", rbx_verdict_name(report.verdict));
    }
    rbx_report_free(&report);
    return rc;
}
