/* Judge0 CE (1.13.1) under /judge0: submissions, one by one or in batches,
 * waited for or polled. A submission is translated into a native body
 * (seconds and kilobytes into runbox's limits, expected_output into one test
 * case) that always travels base64-encoded, so that the bytes a program wrote
 * survive until the answer, which decodes them unless the client asked for
 * base64 too. wait=true runs it at once; otherwise it is one of runbox's async
 * jobs, and its token is the job's id (or, after a wait, the run's id in the
 * caller's history: both can be fetched by token). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "engine/text.h"
#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/judge0.h"
#include "fcgi/dialects/run_view.h"
#include "fcgi/dialects/shapes.h"
#include "fcgi/stored.h"
#include "store/jobs.h"

#define FIELDS_MAX 1024

typedef struct j0_query {
    bool base64, wait;
    char fields[FIELDS_MAX]; /* "" = the default fields, "*" = all */
} j0_query;

static int j0_invalid(rbx_error *err, const char *field, const char *message)
{
    return rbx_error_raise(err, RBX_ERR_UNPROCESSABLE, NULL, field, "%s", message);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

static bool query_bool(const char *query, const char *name)
{
    char buf[16];
    rbx_error ignored;
    return rbx_http_query_get(query, name, buf, sizeof(buf), &ignored) == 1 &&
           strcmp(buf, "true") == 0;
}

static const char *const ALL_FIELDS[] = {
    "source_code",
    "language_id",
    "stdin",
    "expected_output",
    "stdout",
    "status_id",
    "created_at",
    "finished_at",
    "time",
    "memory",
    "stderr",
    "token",
    "number_of_runs",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "compile_output",
    "exit_code",
    "exit_signal",
    "message",
    "wall_time",
    "compiler_options",
    "command_line_arguments",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
    "status",
    "language",
    NULL,
};
static const char *const DEFAULT_FIELDS[] = {
    "token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status", NULL,
};

static bool known_field(const char *name, size_t len)
{
    for (size_t i = 0; ALL_FIELDS[i]; i++)
        if (strlen(ALL_FIELDS[i]) == len && strncmp(ALL_FIELDS[i], name, len) == 0)
            return true;
    return false;
}

/* ?fields=a,b (or *): every name must be a submission attribute (400 otherwise). */
static int parse_query(const rbx_http_request *http, j0_query *q, rbx_error *err)
{
    memset(q, 0, sizeof(*q));
    q->base64 = query_bool(http->query, "base64_encoded");
    q->wait = query_bool(http->query, "wait");
    if (rbx_http_query_get(http->query, "fields", q->fields, sizeof(q->fields), err) < 0)
        return -1;
    if (strcmp(q->fields, "*") == 0)
        return 0;
    for (const char *p = q->fields; *p;) {
        size_t n = strcspn(p, ",");
        if (n && !known_field(p, n))
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "fields", "invalid fields: [%.*s]",
                                   (int)n, p);
        p += n + (p[n] == ',');
    }
    return 0;
}

/* ---- the request: a Judge0 submission into a native body ------------------ */

/* Judge0 takes numbers as JSON numbers or numeric strings ("language_id": "4"). */
static int number_field(json_object *in, const char *key, double *out, bool *given, rbx_error *err)
{
    json_object *v = member(in, key);
    *given = false;
    if (!v)
        return 0;
    char *end = NULL;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        *out = json_object_get_double(v);
    else if (!json_object_is_type(v, json_type_string) ||
             (*out = strtod(json_object_get_string(v), &end),
              !end || *end || end == json_object_get_string(v)))
        return j0_invalid(err, key, "is not a number");
    *given = true;
    return 0;
}

/* A limit in seconds or KB, checked against the server's maximum as Judge0
 * checks its own (422 "must be less than or equal to N"). */
static int limit_field(json_object *in, const char *key, double scale, uint64_t max_native,
                       json_object *limits, const char *native_key, rbx_error *err)
{
    double v = 0;
    bool given;
    char msg[96];
    if (number_field(in, key, &v, &given, err) < 0)
        return -1;
    if (!given)
        return 0;
    if (v <= 0)
        return j0_invalid(err, key, "must be greater than 0");
    uint64_t native = (uint64_t)(v * scale + 0.999);
    if (native > max_native) {
        snprintf(msg, sizeof(msg), "must be less than or equal to %g", (double)max_native / scale);
        return j0_invalid(err, key, msg);
    }
    json_object_object_add(limits, native_key, json_object_new_int64((int64_t)native));
    return 0;
}

/* Text as the native body carries it: base64 (the client's, or encoded here). */
static int text_field(json_object *in, const char *key, bool base64, json_object **out,
                      rbx_error *err)
{
    json_object *v = member(in, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return j0_invalid(err, key, "must be a string");
    if (base64) {
        *out = json_object_get(v);
        return 0;
    }
    char *enc = rbx_base64_encode(json_object_get_string(v), (size_t)json_object_get_string_len(v));
    if (!enc)
        return rbx_error_errno(err, "out of memory");
    *out = json_object_new_string(enc);
    free(enc);
    return 0;
}

static int language_field(json_object *in, const judge0_language **lang, rbx_error *err)
{
    double id = 0;
    bool given;
    char msg[96];
    if (number_field(in, "language_id", &id, &given, err) < 0)
        return -1;
    if (!given)
        return j0_invalid(err, "language_id", "can't be blank");
    if (!(*lang = judge0_language_of((int)id))) {
        snprintf(msg, sizeof(msg), "language with id %g doesn't exist", id);
        return j0_invalid(err, "language_id", msg);
    }
    return 0;
}

/* command_line_arguments is one string; runbox passes argv, split on blanks. */
static int args_field(json_object *in, json_object *native, rbx_error *err)
{
    json_object *v = member(in, "command_line_arguments");
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return j0_invalid(err, "command_line_arguments", "must be a string");
    char *copy = strdup(json_object_get_string(v)), *save = NULL;
    if (!copy)
        return rbx_error_errno(err, "out of memory");
    json_object *args = json_object_new_array();
    for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
        json_object_array_add(args, json_object_new_string(t));
    free(copy);
    json_object_object_add(native, "args", args);
    return 0;
}

/* What runbox cannot do the Judge0 way is refused, not silently dropped. */
static int refused_fields(json_object *in, bool allow_callback, rbx_error *err)
{
    json_object *v;
    if (member(in, "additional_files"))
        return j0_invalid(err, "additional_files",
                          "is not supported by runbox (send the files with the native API)");
    if ((v = member(in, "compiler_options")) && json_object_get_string_len(v) > 0)
        return j0_invalid(err, "compiler_options", "setting compiler options is not allowed");
    if ((v = member(in, "enable_network")) && json_object_get_boolean(v))
        return j0_invalid(err, "enable_network", "enabling network is not allowed");
    if (!allow_callback && member(in, "callback_url"))
        return j0_invalid(err, "callback_url", "is not supported with wait=true");
    return 0;
}

static int to_native(rbx_service *svc, json_object *in, bool base64, bool async, json_object **out,
                     rbx_error *err)
{
    const rbx_limits *max = &svc->cfg->max;
    const judge0_language *lang = NULL;
    json_object *native = json_object_new_object(), *limits = json_object_new_object();
    json_object *code = NULL, *stdin_text = NULL, *expected = NULL, *cb;
    *out = native;
    json_object_object_add(native, "limits", limits);
    json_object_object_add(native, "base64_encoded", json_object_new_boolean(true));
    if (!json_object_is_type(in, json_type_object))
        return j0_invalid(err, "submission", "must be an object");
    if (refused_fields(in, async, err) < 0 || language_field(in, &lang, err) < 0 ||
        text_field(in, "source_code", base64, &code, err) < 0 ||
        text_field(in, "stdin", base64, &stdin_text, err) < 0 ||
        text_field(in, "expected_output", base64, &expected, err) < 0)
        goto fail;
    if (!code || json_object_get_string_len(code) == 0) {
        j0_invalid(err, "source_code", "can't be blank");
        goto fail;
    }
    json_object_object_add(native, "language", json_object_new_string(lang->runbox));
    json_object_object_add(native, "code", code);
    code = NULL;
    if (expected) { /* one I/O case: Wrong Answer is grading's verdict */
        json_object *tc = json_object_new_object(), *cases = json_object_new_array();
        json_object_object_add(tc, "stdin", stdin_text ? stdin_text : json_object_new_string(""));
        json_object_object_add(tc, "expected_output", expected);
        json_object_array_add(cases, tc);
        json_object_object_add(native, "test_cases", cases);
        stdin_text = expected = NULL;
    } else if (stdin_text) {
        json_object_object_add(native, "stdin", stdin_text);
        stdin_text = NULL;
    }
    if ((cb = member(in, "callback_url"))) { /* Judge0's PUT of the submission */
        json_object_object_add(native, "callback_url", json_object_get(cb));
        json_object_object_add(native, "callback_format", json_object_new_string("judge0"));
    }
    if (limit_field(in, "cpu_time_limit", 1000, max->cpu_time_ms, limits, "cpu_time_ms", err) < 0 ||
        limit_field(in, "wall_time_limit", 1000, max->wall_time_ms, limits, "wall_time_ms", err) <
            0 ||
        limit_field(in, "memory_limit", 1, max->memory_kb, limits, "memory_kb", err) < 0 ||
        limit_field(in, "max_processes_and_or_threads", 1, max->processes, limits, "processes",
                    err) < 0 ||
        args_field(in, native, err) < 0)
        goto fail;
    return 0;
fail:
    json_object_put(code);
    json_object_put(stdin_text);
    json_object_put(expected);
    return -1;
}

/* ---- the answer: a run as a Judge0 submission ----------------------------- */

typedef struct j0_result {
    const char *token;
    int status_id;
    rbx_view_text out, err, compile; /* raw bytes (borrowed from the view) */
    char message[160];               /* plain text, "" = null */
    bool finished;
    int64_t cpu_ms, wall_ms, memory_kb;
    bool has_exit_code;
    int exit_code, exit_signal;
    json_object *created_at, *finished_at; /* borrowed strings, or NULL */
    const char *language;                  /* runbox id */
    json_object *request;                  /* the native body (history/job), NULL if unknown */
    rbx_run_view view;                     /* what the texts are borrowed from */
} j0_result;

/* Fill r from its view (r->view, filled by the caller). */
static void result_of_view(j0_result *r)
{
    const rbx_run_view *v = &r->view;
    r->finished = true;
    r->token = v->id;
    r->status_id = judge0_status_of(v);
    judge0_message_of(v, r->status_id, r->message, sizeof(r->message));
    r->out = v->out;
    r->err = v->err;
    r->compile = r->status_id == 6 ? v->compile_message : (rbx_view_text){NULL, 0};
    r->cpu_ms = v->cpu_time_ms;
    r->wall_ms = v->wall_time_ms;
    r->memory_kb = v->memory_kb;
    r->has_exit_code = v->has_exit_code && r->status_id != 6;
    r->exit_code = v->exit_code;
    r->exit_signal = v->signal;
    r->language = v->language;
}

static json_object *seconds(int64_t ms, bool finished)
{
    char buf[32];
    if (!finished)
        return NULL;
    snprintf(buf, sizeof(buf), "%.3f", (double)ms / 1000.0);
    return json_object_new_string(buf);
}

static bool wanted(const char *fields, const char *name)
{
    if (strcmp(fields, "*") == 0)
        return true;
    if (!*fields) {
        for (size_t i = 0; DEFAULT_FIELDS[i]; i++)
            if (strcmp(DEFAULT_FIELDS[i], name) == 0)
                return true;
        return false;
    }
    size_t n = strlen(name);
    for (const char *p = fields; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

static void put(json_object *o, const char *fields, const char *key, json_object *v)
{
    if (wanted(fields, key))
        json_object_object_add(o, key, v);
    else
        json_object_put(v);
}

/* A text of the submission itself: base64 in the native body. */
static json_object *request_text(const j0_result *r, const char *key, bool base64)
{
    json_object *v = member(r->request, key);
    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    if (base64)
        return json_object_get(v);
    char *raw = NULL;
    size_t len = 0;
    if (rbx_base64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), &raw,
                          &len) < 0)
        return NULL;
    json_object *o = judge0_text((rbx_view_text){raw, len}, false);
    free(raw);
    return o;
}

static json_object *submission_json(rbx_service *svc, const j0_result *r, const char *fields,
                                    bool base64)
{
    json_object *o = json_object_new_object();
    put(o, fields, "token", r->token ? json_object_new_string(r->token) : NULL);
    put(o, fields, "stdout", judge0_text(r->out, base64));
    put(o, fields, "stderr", judge0_text(r->err, base64));
    put(o, fields, "compile_output", judge0_text(r->compile, base64));
    json_object *msg = NULL;
    if (r->message[0]) {
        char *enc = base64 ? rbx_base64_encode(r->message, strlen(r->message)) : NULL;
        msg = json_object_new_string(enc ? enc : r->message);
        free(enc);
    }
    put(o, fields, "message", msg);
    put(o, fields, "time", seconds(r->cpu_ms, r->finished));
    put(o, fields, "wall_time", seconds(r->wall_ms, r->finished));
    put(o, fields, "memory", r->finished ? json_object_new_int64(r->memory_kb) : NULL);
    put(o, fields, "exit_code", r->has_exit_code ? json_object_new_int(r->exit_code) : NULL);
    put(o, fields, "exit_signal", r->exit_signal ? json_object_new_int(r->exit_signal) : NULL);
    put(o, fields, "status", judge0_status_json(r->status_id));
    put(o, fields, "status_id", json_object_new_int(r->status_id));
    put(o, fields, "created_at", json_object_get(r->created_at));
    put(o, fields, "finished_at", json_object_get(r->finished_at));
    put(o, fields, "source_code", request_text(r, "code", base64));
    put(o, fields, "stdin", request_text(r, "stdin", base64));
    const judge0_language *l = r->language ? judge0_language_of_runbox(r->language) : NULL;
    json_object *lang = l ? judge0_language_ref(svc, l) : NULL;
    put(o, fields, "language_id",
        lang ? json_object_get(json_object_object_get(lang, "id")) : NULL);
    put(o, fields, "language", lang);
    /* the rest of Judge0's attributes: what runbox does not keep */
    if (strcmp(fields, "*") == 0 || *fields)
        for (size_t i = 0; ALL_FIELDS[i]; i++)
            if (wanted(fields, ALL_FIELDS[i]) && !json_object_object_get_ex(o, ALL_FIELDS[i], NULL))
                json_object_object_add(o, ALL_FIELDS[i], NULL);
    return o;
}

static json_object *now_iso(void)
{
    char buf[RBX_ISO8601_SIZE];
    return json_object_new_string(rbx_clock_iso8601(rbx_clock_unix_ms(), buf, sizeof(buf)));
}

/* A job's state ({status, result, created_at, finished_at}) as a submission. */
static void result_of_task(json_object *task, j0_result *r)
{
    json_object *status = member(task, "status"), *result = member(task, "result");
    const char *s = status ? json_object_get_string(status) : "";
    memset(r, 0, sizeof(*r));
    if (result && strcmp(s, "done") == 0) {
        rbx_run_view_of_native(result, true, &r->view);
        result_of_view(r);
    } else
        r->status_id = strcmp(s, "queued") == 0 ? 1 : strcmp(s, "running") == 0 ? 2 : 13;
    if (strcmp(s, "cancelled") == 0)
        snprintf(r->message, sizeof(r->message), "Cancelled");
    r->token = json_object_get_string(member(task, "id"));
    r->created_at = member(task, "created_at");
    r->finished_at = member(task, "finished_at");
}

/* ---- routes ----------------------------------------------------------------- */

/* redirect_stderr_to_stdout: stderr after stdout (runbox keeps the two
 * apart, so their interleaving is not known); merged is the caller's to free. */
static void redirect_stderr(json_object *in, j0_result *r, char **merged)
{
    json_object *v = member(in, "redirect_stderr_to_stdout");
    *merged = NULL;
    if (!v || !json_object_get_boolean(v) || !r->err.len)
        return;
    if (!(*merged = malloc(r->out.len + r->err.len + 1)))
        return;
    if (r->out.len)
        memcpy(*merged, r->out.data, r->out.len);
    memcpy(*merged + r->out.len, r->err.data, r->err.len);
    r->out = (rbx_view_text){*merged, r->out.len + r->err.len};
    r->err = (rbx_view_text){NULL, 0};
}

static int handle_create(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    j0_query q;
    json_object *native = NULL, *response = NULL, *created = now_iso();
    int rc = parse_query(call->http, &q, err);
    if (rc == 0)
        rc = to_native(call->svc, call->json, q.base64, !q.wait, &native, err);
    if (rc == 0 && q.wait) {
        rbx_report report;
        rc = rbx_service_run(call, native, &report, &response, err);
        if (rc == 0) {
            j0_result r = {0};
            json_object *finished = now_iso();
            char *merged;
            rbx_run_view_of(&report, true, &r.view);
            result_of_view(&r);
            redirect_stderr(call->json, &r, &merged);
            r.created_at = created;
            r.finished_at = finished;
            r.request = native;
            rbx_reply_json(reply, 201, submission_json(call->svc, &r, q.fields, q.base64));
            free(merged);
            rbx_run_view_free(&r.view);
            json_object_put(finished);
        }
        rbx_report_free(&report);
    } else if (rc == 0) {
        char id[RBX_JOB_ID_SIZE];
        if ((rc = rbx_service_enqueue(call, native, id, err)) == 0) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "token", json_object_new_string(id));
            rbx_reply_json(reply, 201, o);
        }
    }
    json_object_put(created);
    json_object_put(response);
    json_object_put(native);
    return rc;
}

/* A token is a job's id or, after wait=true, a run's id in the history. */
static int handle_show(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    j0_query q;
    json_object *task = NULL, *run = NULL;
    j0_result r;
    if (parse_query(call->http, &q, err) < 0)
        return -1;
    rbx_error job_err;
    rbx_job_state state;
    rbx_history_row row;
    if (rbx_jobs_get(call->svc->store, call->key.user, call->param, &state, &job_err) == 0) {
        task = rbx_stored_task_json(&state);
        rbx_job_state_clear(&state);
        result_of_task(task, &r);
    } else if (job_err.kind == RBX_ERR_NOT_FOUND &&
               rbx_store_history_get(call->svc->store, call->key.user, call->param, &row, err) ==
                   0) {
        run = rbx_stored_history_run_json(&row);
        rbx_history_row_free(&row);
        if (!run)
            return rbx_error_internal(err, "history: run %s has an unreadable answer", call->param);
        json_object *b64 = member(run, "base64_encoded");
        memset(&r, 0, sizeof(r));
        rbx_run_view_of_native(run, b64 && json_object_get_boolean(b64), &r.view);
        result_of_view(&r);
        r.request = run;
        r.created_at = member(run, "created_at");
    } else {
        *err = job_err.kind == RBX_ERR_NOT_FOUND ? *err : job_err;
        return -1;
    }
    rbx_reply_json(reply, 200, submission_json(call->svc, &r, q.fields, q.base64));
    rbx_run_view_free(&r.view);
    json_object_put(task);
    json_object_put(run);
    return 0;
}

static int handle_batch_create(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *list = member(call->json, "submissions");
    size_t n =
        list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    j0_query q;
    if (parse_query(call->http, &q, err) < 0)
        return -1;
    if (n == 0 || n > JUDGE0_BATCH_MAX)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, NULL,
                               n ? "number of submissions in a batch should be less than or equal "
                                   "to 20"
                                 : "there should be at least one submission in a batch");
    json_object *answers = json_object_new_array(), *valid = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *native = NULL, *e;
        rbx_error item_err;
        rbx_error_clear(&item_err);
        if (to_native(call->svc, json_object_array_get_idx(list, i), q.base64, true, &native,
                      &item_err) == 0) {
            json_object_array_add(valid, native);
            json_object_array_add(answers, NULL); /* its token, below */
            continue;
        }
        json_object_put(native);
        e = json_object_new_object();
        json_object *msgs = json_object_new_array();
        json_object_array_add(msgs, json_object_new_string(item_err.message));
        json_object_object_add(e, item_err.field[0] ? item_err.field : "submission", msgs);
        json_object_array_put_idx(answers, i, e);
    }
    char ids[JUDGE0_BATCH_MAX][37];
    size_t n_valid = json_object_array_length(valid);
    int rc = n_valid ? rbx_service_enqueue_batch(call, valid, ids, err) : 0;
    for (size_t i = 0, k = 0; rc == 0 && i < n; i++) {
        if (json_object_array_get_idx(answers, i))
            continue;
        json_object *t = json_object_new_object();
        json_object_object_add(t, "token", json_object_new_string(ids[k++]));
        json_object_array_put_idx(answers, i, t);
    }
    json_object_put(valid);
    if (rc < 0) {
        json_object_put(answers);
        return -1;
    }
    rbx_reply_json(reply, n_valid ? 201 : 422, answers);
    return 0;
}

static int handle_batch_show(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char list[JUDGE0_BATCH_MAX * 40 + 64];
    const char *ids[JUDGE0_BATCH_MAX];
    size_t n = 0;
    j0_query q;
    if (parse_query(call->http, &q, err) < 0)
        return -1;
    if (rbx_http_query_get(call->http->query, "tokens", list, sizeof(list), err) < 0)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == JUDGE0_BATCH_MAX)
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "tokens",
                                   "number of submissions in a batch should be less than or equal "
                                   "to 20");
        ids[n++] = t;
    }
    if (n == 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "tokens",
                               "there should be at least one submission in a batch");
    json_object *tasks_doc, *tasks;
    rbx_job_state states[JUDGE0_BATCH_MAX];
    if (rbx_jobs_get_many(call->svc->store, call->key.user, ids, n, states, err) < 0)
        return -1;
    tasks_doc = rbx_stored_tasks_json(states, n);
    for (size_t i = 0; i < n; i++)
        rbx_job_state_clear(&states[i]);
    json_object *out = json_object_new_array();
    tasks = member(tasks_doc, "tasks");
    for (size_t i = 0; tasks && i < json_object_array_length(tasks); i++) {
        json_object *t = json_object_array_get_idx(tasks, i), *s = member(t, "status");
        j0_result r;
        if (s && strcmp(json_object_get_string(s), "not_found") == 0) {
            json_object_array_add(out, NULL);
            continue;
        }
        result_of_task(t, &r);
        json_object_array_add(out, submission_json(call->svc, &r, q.fields, q.base64));
        rbx_run_view_free(&r.view);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "submissions", out);
    json_object_put(tasks_doc);
    rbx_reply_json(reply, 200, o);
    return 0;
}

static const rbx_route ROUTES[] = {
    {"POST", "/submissions/batch", handle_batch_create, true, true, false},
    {"GET", "/submissions/batch", handle_batch_show, true, false, false},
    {"POST", "/submissions", handle_create, true, true, false},
    {"GET", "/submissions/*", handle_show, true, false, false},
    {"GET", "/languages", judge0_handle_languages, false, false, false},
    {"GET", "/languages/*", judge0_handle_language, false, false, false},
    {"GET", "/statuses", judge0_handle_statuses, false, false, false},
    {"GET", "/about", judge0_handle_about, false, false, false},
    {"GET", "/config_info", judge0_handle_config_info, false, false, false},
    {"GET", "/system_info", judge0_handle_system_info, false, false, false},
    {"GET", "/workers", judge0_handle_workers, false, false, false},
};

static const char *key_of(const rbx_http_request *http)
{
    return http->auth_token && *http->auth_token ? http->auth_token : NULL;
}

static const char *keyless_user(const rbx_config *cfg)
{
    return cfg->judge0_user;
}

/* Native field names as Judge0 names them. */
static const char *judge0_field(const char *native)
{
    static const char *const MAP[][2] = {
        {"code", "source_code"},
        {"language", "language_id"},
        {"stdin", "stdin"},
        {"test_cases[0].stdin", "stdin"},
        {"test_cases[0].expected_output", "expected_output"},
        {"limits.cpu_time_ms", "cpu_time_limit"},
        {"limits.wall_time_ms", "wall_time_limit"},
        {"limits.memory_kb", "memory_limit"},
        {"limits.processes", "max_processes_and_or_threads"},
        {"args", "command_line_arguments"},
        {"callback_url", "callback_url"},
    };
    for (size_t i = 0; i < sizeof(MAP) / sizeof(MAP[0]); i++)
        if (strncmp(native, MAP[i][0], strlen(MAP[i][0])) == 0)
            return MAP[i][1];
    return native;
}

/* Judge0's errors: 422 {"field": ["message"]} for a bad submission (every
 * 400/413/422 that names a field), {"error": "..."} otherwise; a full queue
 * is 503 "queue is full". */
static json_object *error_body(const rbx_error *err, int *status)
{
    json_object *o = json_object_new_object();
    if ((*status == 422 || *status == 413 ||
         (*status == 400 && strcmp(err->code, "invalid_request") == 0)) &&
        err->field[0] && strcmp(err->field, "fields") != 0 && strcmp(err->field, "tokens") != 0) {
        json_object *msgs = json_object_new_array();
        json_object_array_add(msgs, json_object_new_string(err->message));
        json_object_object_add(o, judge0_field(err->field), msgs);
        *status = 422;
        return o;
    }
    if (*status == 503 && strcmp(err->code, "overloaded") == 0)
        rbx_json_put_string(o, "error", "queue is full");
    else
        rbx_json_put_string(o, "error", err->message);
    return o;
}

const rbx_dialect rbx_dialect_judge0 = {
    .name = "judge0",
    .prefix = "/judge0",
    .routes = ROUTES,
    .n_routes = sizeof(ROUTES) / sizeof(ROUTES[0]),
    .key_of = key_of,
    .keyless_user = keyless_user,
    .error_body = error_body,
};
