#include "fcgi/dialects/run_view.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine/native.h"
#include "engine/text.h"

static rbx_view_text bytes(const rbx_bytes *b)
{
    return (rbx_view_text){b->data, b->data ? b->len : 0};
}

static void of_report(const rbx_report *rep, rbx_run_view *v)
{
    v->id = rep->run_id;
    v->status = rbx_verdict_name(rep->verdict);
    v->language = rep->language;
    v->version = rep->version;
    v->compiled = rep->compile.ran;
    v->compile_time_ms = (int64_t)rep->compile.time_ms;
    if (rep->compile.ran) {
        v->compile_out = bytes(&rep->compile.result.out);
        v->compile_err = bytes(&rep->compile.result.err);
    }
    if (rep->compile.failed)
        v->compile_message = bytes(&rep->compile.message);
    if (rep->failure.data)
        v->err = bytes(&rep->failure);
    if (!rep->run.ran)
        return;
    v->out = bytes(&rep->run.out);
    v->err = bytes(&rep->run.err);
    v->has_exit_code = rep->run.exit_code >= 0;
    v->exit_code = rep->run.exit_code;
    v->signal = rep->run.signal;
    v->cpu_time_ms = (int64_t)rep->run.cpu_ms;
    v->wall_time_ms = (int64_t)rep->run.wall_ms;
    v->memory_kb = (int64_t)rep->run.memory_kb;
}

/* ---- the native answer ------------------------------------------------------ */

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t num(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v ? json_object_get_int64(v) : 0;
}

/* A JSON string's text, decoded when the answer is base64. */
static rbx_view_text string_text(rbx_run_view *v, json_object *js, bool base64)
{
    const char *s =
        js && json_object_is_type(js, json_type_string) ? json_object_get_string(js) : NULL;
    rbx_view_text t = {s, s ? strlen(s) : 0};
    if (!s || !base64 || v->n_owned == RBX_VIEW_MAX_OWNED)
        return t;
    char *raw = NULL;
    size_t len = 0;
    if (rbx_base64_decode(s, t.len, &raw, &len) < 0)
        return t;
    v->owned[v->n_owned++] = raw;
    return (rbx_view_text){raw, len};
}

/* A native text, decoded when the answer is base64. */
static rbx_view_text text(rbx_run_view *v, json_object *o, const char *key, bool base64)
{
    return string_text(v, get(o, key), base64);
}

/* A graded case as the native answer shows it: the same values, from the
 * same functions (engine/native.c). */
static void case_of_report(const rbx_report *rep, const rbx_case_report *c, bool base64,
                           rbx_view_case *vc)
{
    vc->passed = c->passed;
    if (c->kind == RBX_CASE_TEST)
        return;
    vc->input = rbx_native_case_input(rep, c, base64);
    vc->expected = rbx_native_case_expected(rep, c, base64);
    vc->actual = rbx_native_case_actual(c, base64);
    vc->measured = true;
    vc->time_ms = (int64_t)c->run.wall_ms;
    vc->memory_kb = (int64_t)c->run.memory_kb;
}

/* A graded run of one case (Judge0's expected_output) reads like a plain
 * run. Its CPU time is the case's wall time, as from a stored answer, whose
 * cases carry no CPU time: a run reads the same whichever way it is known. */
static void single_case_of_report(const rbx_case_report *c, const rbx_view_case *vc, bool base64,
                                  rbx_run_view *v)
{
    if (c->kind == RBX_CASE_TEST)
        return;
    if (!v->out.data && c->kind == RBX_CASE_IO && c->run.ran)
        v->out = bytes(&c->run.out);
    if (!v->out.data)
        v->out = string_text(v, vc->actual, base64);
    if (!v->err.data)
        v->err = bytes(&c->message);
    if (!v->wall_time_ms)
        v->wall_time_ms = vc->time_ms;
    if (!v->cpu_time_ms)
        v->cpu_time_ms = vc->time_ms;
    if (!v->memory_kb)
        v->memory_kb = vc->memory_kb;
}

static int of_graded_report(const rbx_report *rep, bool base64, rbx_run_view *v)
{
    const rbx_bytes *out, *err;
    rbx_native_graded_streams(rep, &out, &err);
    v->id = rep->run_id;
    v->status = rbx_verdict_name(rep->verdict);
    v->language = rep->language;
    v->version = rep->version;
    v->compiled = true; /* a graded answer always shows its compile step */
    v->compile_time_ms = (int64_t)rep->compile.time_ms;
    v->out = out ? bytes(out) : (rbx_view_text){NULL, 0};
    v->err = err ? bytes(err) : (rbx_view_text){NULL, 0};
    if (rep->verdict == RBX_VERDICT_COMPILE_ERROR) {
        v->compile_message = rep->compile.failed ? bytes(&rep->compile.message) : v->err;
        if (!v->compile_message.len)
            v->compile_message = v->err;
        v->compile_err = v->compile_message;
        v->err = (rbx_view_text){NULL, 0};
    }
    v->cpu_time_ms = (int64_t)rep->cpu_ms;
    v->wall_time_ms = (int64_t)rep->wall_ms;
    v->memory_kb = (int64_t)rep->memory_kb;
    v->has_all_passed = true;
    v->all_passed = rep->all_passed;
    if (rep->compile.failed)
        v->error_details = bytes(&rep->compile.message);
    if (rep->compile.failed || !rep->n_cases)
        return 0;
    if (!(v->cases = calloc(rep->n_cases, sizeof(*v->cases))))
        return -1;
    v->n_cases = rep->n_cases;
    for (size_t i = 0; i < rep->n_cases; i++)
        case_of_report(rep, &rep->cases[i], base64, &v->cases[i]);
    if (rep->n_cases == 1)
        single_case_of_report(&rep->cases[0], &v->cases[0], base64, v);
    return 0;
}

/* A graded run of one case (Judge0's expected_output) reads like a plain run. */
static void from_single_case(json_object *r, bool base64, rbx_run_view *v)
{
    if (!v->out.data)
        v->out = text(v, r, "actual_output", base64);
    if (!v->err.data)
        v->err = text(v, r, "error", base64);
    if (!v->wall_time_ms)
        v->wall_time_ms = num(r, "time_ms");
    if (!v->cpu_time_ms)
        v->cpu_time_ms = num(r, "cpu_time_ms") ? num(r, "cpu_time_ms") : num(r, "time_ms");
    if (!v->memory_kb)
        v->memory_kb = num(r, "memory_kb");
    if (!v->has_exit_code && get(r, "exit_code")) {
        v->has_exit_code = true;
        v->exit_code = (int)num(r, "exit_code");
    }
    if (!v->signal)
        v->signal = rbx_signal_number(str(r, "signal"));
}

static json_object *held(json_object *o, const char *key)
{
    return json_object_get(get(o, key));
}

static int cases_of_native(json_object *results, rbx_run_view *v)
{
    size_t n = json_object_array_length(results);
    if (!n)
        return 0;
    if (!(v->cases = calloc(n, sizeof(*v->cases))))
        return -1;
    v->n_cases = n;
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(results, i);
        rbx_view_case *c = &v->cases[i];
        c->input = held(r, get(r, "input") ? "input" : "stdin");
        c->expected = held(r, "expected_output");
        c->actual = held(r, "actual_output");
        c->passed = json_object_get_boolean(get(r, "passed"));
        c->measured = get(r, "time_ms") != NULL;
        c->time_ms = num(r, "time_ms");
        c->memory_kb = num(r, "memory_kb");
    }
    return 0;
}

int rbx_run_view_of_native(json_object *native, bool base64, rbx_run_view *v)
{
    memset(v, 0, sizeof(*v));
    json_object *compile = get(native, "compile"), *lang = get(native, "language"), *x;
    v->id = str(native, "id");
    v->status = str(native, "status");
    v->out = text(v, native, "output", base64);
    v->err = text(v, native, "error", base64);
    v->compiled = compile != NULL;
    v->compile_time_ms = num(compile, "time_ms");
    if (v->status && strcmp(v->status, "compile_error") == 0) {
        v->compile_message = text(v, compile, "output", base64);
        if (!v->compile_message.len)
            v->compile_message = v->err;
        v->compile_err = v->compile_message;
        v->err = (rbx_view_text){NULL, 0};
    }
    if ((x = get(native, "exit_code"))) {
        v->has_exit_code = true;
        v->exit_code = json_object_get_int(x);
    }
    v->signal = rbx_signal_number(str(native, "signal"));
    v->cpu_time_ms = num(native, "cpu_time_ms");
    v->wall_time_ms = num(native, "wall_time_ms");
    v->memory_kb = num(native, "memory_kb");
    json_object *results = get(native, "results");
    if (results && !json_object_is_type(results, json_type_array))
        results = NULL;
    if ((x = get(native, "all_passed"))) {
        v->has_all_passed = true;
        v->all_passed = json_object_get_boolean(x);
    }
    v->error_details = text(v, native, "error_details", base64);
    v->language = str(lang, "id");
    v->version = str(lang, "version");
    if (results && json_object_array_length(results) == 1)
        from_single_case(json_object_array_get_idx(results, 0), base64, v);
    return results ? cases_of_native(results, v) : 0;
}

int rbx_run_view_of(const rbx_report *rep, bool base64, rbx_run_view *v)
{
    memset(v, 0, sizeof(*v));
    if (rep->mode != RBX_REPORT_PLAIN)
        return of_graded_report(rep, base64, v);
    of_report(rep, v);
    return 0;
}

void rbx_run_view_free(rbx_run_view *v)
{
    for (size_t i = 0; i < v->n_owned; i++)
        free(v->owned[i]);
    v->n_owned = 0;
    for (size_t i = 0; i < v->n_cases; i++) {
        json_object_put(v->cases[i].input);
        json_object_put(v->cases[i].expected);
        json_object_put(v->cases[i].actual);
    }
    free(v->cases);
    v->cases = NULL;
    v->n_cases = 0;
}

int rbx_signal_number(const char *name)
{
    static const struct {
        const char *name;
        int number;
    } SIGNALS[] = {
        {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
        {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
        {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
        {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM}, {"SIGXCPU", SIGXCPU},
        {"SIGXFSZ", SIGXFSZ}, {"SIGSYS", SIGSYS},
    };
    for (size_t i = 0; name && i < sizeof(SIGNALS) / sizeof(SIGNALS[0]); i++)
        if (strcmp(SIGNALS[i].name, name) == 0)
            return SIGNALS[i].number;
    return 0;
}
