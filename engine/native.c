/* The native answer writer (native.h). */
#include "engine/native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/diagnostics.h"
#include "engine/grading/spec.h"
#include "engine/text.h"

json_object *rbx_native_text(const char *buf, size_t len, bool base64)
{
    if (!buf)
        buf = "", len = 0;
    char *text = base64 ? rbx_base64_encode(buf, len) : rbx_utf8_repair(buf, len);
    if (!text)
        return NULL;
    json_object *s = json_object_new_string(text);
    free(text);
    return s;
}

/* Bytes that may be none: null, else the text. */
static json_object *text_or_null(const rbx_bytes *b, bool base64)
{
    return b->data ? rbx_native_text(b->data, b->len, base64) : NULL;
}

json_object *rbx_native_seconds(uint64_t ms)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu.%03llu", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
    return json_object_new_double_s((double)ms / 1000.0, text);
}

json_object *rbx_native_language_ref(const char *id, const char *version)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
    json_object_object_add(o, "version",
                           version && *version ? json_object_new_string(version) : NULL);
    return o;
}

static json_object *int64_json(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

/* A sentence on why a plain run did not succeed, or NULL. */
static char *run_details(rbx_verdict verdict, const rbx_run_result *r)
{
    char *out = NULL, sig[32];
    if (verdict == RBX_VERDICT_SUCCESS)
        return NULL;
    if (r->message[0])
        return strdup(r->message);
    if (verdict == RBX_VERDICT_MEMORY_LIMIT)
        return strdup("the program ran out of memory");
    if (r->signal > 0 &&
        asprintf(&out, "killed by %s", rbx_signal_name(r->signal, sig, sizeof(sig))) >= 0)
        return out;
    if (asprintf(&out, "exited with code %d", r->exit_code) >= 0)
        return out;
    return NULL;
}

static json_object *compile_json(const rbx_compile_report *c, bool b64)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(c->failed ? "error" : "success"));
    json_object_object_add(o, "output",
                           c->failed ? rbx_native_text(c->message.data, c->message.len, b64)
                                     : json_object_new_string(""));
    json_object_object_add(o, "time_ms", int64_json(c->time_ms));
    json_object_object_add(o, "cached", json_object_new_boolean(c->cached));
    return o;
}

/* The fields every shape shares, in the answer's order, from one run (r may
 * be the empty run of a compile failure). */
static void add_run_fields(json_object *o, const rbx_run_result *r, bool b64)
{
    char sig[32];
    const char *signame = r->ran ? rbx_signal_name(r->signal, sig, sizeof(sig)) : NULL;
    json_object_object_add(o, "output",
                           r->ran ? rbx_native_text(r->out.data, r->out.len, b64)
                                  : json_object_new_string(""));
    json_object_object_add(
        o, "error", r->ran && r->err.len ? rbx_native_text(r->err.data, r->err.len, b64) : NULL);
    json_object_object_add(o, "exit_code",
                           r->ran && r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
    json_object_object_add(o, "signal", signame ? json_object_new_string(signame) : NULL);
    json_object_object_add(o, "execution_time", rbx_native_seconds(r->wall_ms));
    json_object_object_add(o, "cpu_time_ms", int64_json(r->cpu_ms));
    json_object_object_add(o, "wall_time_ms", int64_json(r->wall_ms));
    json_object_object_add(o, "memory_kb", int64_json(r->memory_kb));
    json_object_object_add(o, "truncated",
                           json_object_new_boolean(r->out_truncated || r->err_truncated));
}

/* ---- graded answers ------------------------------------------------------- */

/* A JSON value from a case; a string is text like any output (repaired, or
 * base64), as the request's own strings were decoded. Takes v. */
static json_object *as_text(json_object *v, bool b64)
{
    if (!v || !json_object_is_type(v, json_type_string))
        return v;
    json_object *fixed =
        rbx_native_text(json_object_get_string(v), (size_t)json_object_get_string_len(v), b64);
    json_object_put(v);
    return fixed;
}

static const rbx_test_case *spec_case(const rbx_report *rep, size_t index)
{
    return rep->spec && index < rep->spec->n_cases ? &rep->spec->cases[index] : NULL;
}

json_object *rbx_native_case_input(const rbx_report *rep, const rbx_case_report *c, bool b64)
{
    const rbx_test_case *tc = spec_case(rep, c->index);
    if (c->kind == RBX_CASE_CALL)
        return tc && tc->input ? json_object_get(tc->input) : json_object_new_string("");
    return rbx_native_text(tc ? tc->stdin_data : "", tc ? tc->stdin_len : 0, b64);
}

json_object *rbx_native_case_expected(const rbx_report *rep, const rbx_case_report *c, bool b64)
{
    const rbx_test_case *tc = spec_case(rep, c->index);
    return as_text(tc ? json_object_get(tc->expected) : NULL, b64);
}

json_object *rbx_native_case_actual(const rbx_case_report *c, bool b64)
{
    if (c->kind == RBX_CASE_CALL)
        return as_text(c->value_json ? json_tokener_parse(c->value_json) : NULL, b64);
    return c->run.ran ? rbx_native_text(c->run.out.data, c->run.out.len, b64) : NULL;
}

/* stdin or input, expected_output, actual_output, passed, status, time_ms,
 * memory_kb, error (and stdout for a call). */
static json_object *case_json(const rbx_report *rep, const rbx_case_report *c, bool b64)
{
    json_object *o = json_object_new_object();
    bool call = c->kind == RBX_CASE_CALL;
    json_object_object_add(o, call ? "input" : "stdin", rbx_native_case_input(rep, c, b64));
    json_object_object_add(o, "expected_output", rbx_native_case_expected(rep, c, b64));
    json_object_object_add(o, "actual_output", rbx_native_case_actual(c, b64));
    json_object_object_add(o, "passed", json_object_new_boolean(c->passed));
    json_object_object_add(o, "status", json_object_new_string(rbx_verdict_name(c->verdict)));
    json_object_object_add(o, "time_ms", int64_json(c->run.wall_ms));
    json_object_object_add(o, "memory_kb", int64_json(c->run.memory_kb));
    json_object_object_add(o, "error", text_or_null(&c->message, b64));
    if (call)
        json_object_object_add(
            o, "stdout", c->run.ran ? rbx_native_text(c->run.out.data, c->run.out.len, b64) : NULL);
    return o;
}

/* {name, passed, status, message} */
static json_object *test_json(const rbx_case_report *c, bool b64)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(c->name ? c->name : ""));
    json_object_object_add(o, "passed", json_object_new_boolean(c->passed));
    json_object_object_add(o, "status", json_object_new_string(rbx_verdict_name(c->verdict)));
    json_object_object_add(o, "message", text_or_null(&c->message, b64));
    return o;
}

static json_object *results_json(const rbx_report *rep, bool b64)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < rep->n_cases; i++) {
        const rbx_case_report *c = &rep->cases[i];
        json_object_array_add(a, c->kind == RBX_CASE_TEST ? test_json(c, b64)
                                                          : case_json(rep, c, b64));
    }
    return a;
}

void rbx_native_graded_streams(const rbx_report *rep, const rbx_bytes **out, const rbx_bytes **err)
{
    bool tests = rep->mode == RBX_REPORT_TESTS && rep->run.ran;
    bool go = rep->lang && strcmp(rep->lang->id, "go") == 0;
    *out = tests && !go ? &rep->run.out : NULL;
    if (rep->compile.failed)
        *err = &rep->compile.message;
    else if (rep->note.data)
        *err = &rep->note;
    else
        *err = tests ? &rep->run.err : NULL;
}

static json_object *stream_json(const rbx_bytes *b, bool b64)
{
    return b ? rbx_native_text(b->data, b->len, b64) : NULL;
}

static void add_graded_streams(json_object *o, const rbx_report *rep, bool b64)
{
    const rbx_bytes *out, *err;
    rbx_native_graded_streams(rep, &out, &err);
    json_object_object_add(o, "output", stream_json(out, b64));
    json_object_object_add(o, "error", stream_json(err, b64));
    json_object_object_add(o, "exit_code", NULL);
    json_object_object_add(o, "signal", NULL);
}

static json_object *graded_json(const rbx_report *rep, bool b64)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(rep->run_id));
    json_object_object_add(o, "status", json_object_new_string(rbx_verdict_name(rep->verdict)));
    add_graded_streams(o, rep, b64);
    json_object_object_add(o, "execution_time", rbx_native_seconds(rep->wall_ms));
    json_object_object_add(o, "cpu_time_ms", int64_json(rep->cpu_ms));
    json_object_object_add(o, "wall_time_ms", int64_json(rep->wall_ms));
    json_object_object_add(o, "memory_kb", int64_json(rep->memory_kb));
    json_object_object_add(o, "truncated", json_object_new_boolean(false));
    json_object_object_add(o, "compile", compile_json(&rep->compile, b64));
    json_object_object_add(o, "results", rep->compile.failed ? NULL : results_json(rep, b64));
    json_object_object_add(o, "all_passed", json_object_new_boolean(rep->all_passed));
    json_object_object_add(o, "error_details",
                           rep->compile.failed ? rbx_native_text(rep->compile.message.data,
                                                                 rep->compile.message.len, b64)
                                               : NULL);
    json_object_object_add(o, "language", rbx_native_language_ref(rep->language, rep->version));
    return o;
}

/* ---- plain answers -------------------------------------------------------- */

static json_object *plain_json(const rbx_report *rep, bool b64)
{
    json_object *o = json_object_new_object();
    const rbx_compile_report *c = &rep->compile;
    bool failed = rep->failure.data != NULL;
    json_object_object_add(o, "id", json_object_new_string(rep->run_id));
    json_object_object_add(o, "status", json_object_new_string(rbx_verdict_name(rep->verdict)));
    add_run_fields(o, &rep->run, b64);
    if (c->failed) /* "error" is the compiler's message */
        json_object_object_add(o, "error", rbx_native_text(c->message.data, c->message.len, b64));
    else if (failed)
        json_object_object_add(o, "error", text_or_null(&rep->failure, b64));
    json_object_object_add(o, "compile", failed ? NULL : compile_json(c, b64));
    json_object_object_add(o, "results", NULL);
    json_object_object_add(o, "all_passed", NULL);
    json_object *details = NULL;
    if (c->failed) {
        details = rbx_native_text(c->message.data, c->message.len, b64);
    } else if (failed) {
        details = text_or_null(&rep->failure, b64);
    } else if (rep->run.ran) {
        char *text = run_details(rep->verdict, &rep->run);
        details = text ? rbx_native_text(text, strlen(text), b64) : NULL;
        free(text);
    }
    json_object_object_add(o, "error_details", details);
    json_object_object_add(o, "language", rbx_native_language_ref(rep->language, rep->version));
    return o;
}

json_object *rbx_native_execute(const rbx_report *rep, bool base64)
{
    return rep->mode == RBX_REPORT_PLAIN ? plain_json(rep, base64) : graded_json(rep, base64);
}

/* Graded answers show the cases' times together and no exit code; plain
 * ones the run's (as add_run_fields and graded_json write them). */
void rbx_native_record(const rbx_report *rep, rbx_run_record *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", rep->run_id);
    snprintf(out->language, sizeof(out->language), "%s", rep->language);
    snprintf(out->language_version, sizeof(out->language_version), "%s", rep->version);
    snprintf(out->status, sizeof(out->status), "%s", rbx_verdict_name(rep->verdict));
    bool plain = rep->mode == RBX_REPORT_PLAIN;
    const rbx_run_result *r = &rep->run;
    out->has_exit_code = plain && r->ran && r->exit_code >= 0;
    out->exit_code = out->has_exit_code ? r->exit_code : 0;
    out->cpu_time_ms = (int64_t)(plain ? r->cpu_ms : rep->cpu_ms);
    out->wall_time_ms = (int64_t)(plain ? r->wall_ms : rep->wall_ms);
    out->memory_kb = (int64_t)(plain ? r->memory_kb : rep->memory_kb);
}

/* ---- /validate ------------------------------------------------------------ */

json_object *rbx_native_validate(const rbx_language *lang, const char *version,
                                 const rbx_run_result *check, bool base64)
{
    json_object *resp = json_object_new_object();
    bool valid = check->verdict == RBX_VERDICT_SUCCESS;
    size_t len = 0;
    char *out = NULL;
    /* Diagnostics may come on either stream (tsc and javac use stdout). */
    if (asprintf(&out, "%.*s%.*s", (int)check->out.len, check->out.data ? check->out.data : "",
                 (int)check->err.len, check->err.data ? check->err.data : "") >= 0)
        len = strlen(out);
    char *repaired = out ? rbx_utf8_repair(out, len) : NULL;
    json_object_object_add(resp, "valid", json_object_new_boolean(valid));
    json_object_object_add(resp, "status",
                           json_object_new_string(valid ? "success"
                                                  : check->verdict == RBX_VERDICT_INTERNAL_ERROR
                                                      ? "internal_error"
                                                      : "compile_error"));
    json_object_object_add(resp, "diagnostics",
                           rbx_diagnostics_parse(lang->diagnostics, repaired ? repaired : ""));
    json_object_object_add(resp, "output", rbx_native_text(out, len, base64));
    json_object_object_add(resp, "language",
                           rbx_native_language_ref(lang->id, version ? version : "unknown"));
    free(repaired);
    free(out);
    return resp;
}
