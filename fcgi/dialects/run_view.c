#include "fcgi/dialects/run_view.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

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

/* A native text, decoded when the answer is base64. */
static rbx_view_text text(rbx_run_view *v, json_object *o, const char *key, bool base64)
{
    const char *s = str(o, key);
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
    v->results = (x = get(native, "results")) && json_object_is_type(x, json_type_array) ? x : NULL;
    if ((x = get(native, "all_passed"))) {
        v->has_all_passed = true;
        v->all_passed = json_object_get_boolean(x);
    }
    v->error_details = text(v, native, "error_details", base64);
    v->language = str(lang, "id");
    v->version = str(lang, "version");
    if (v->results && json_object_array_length(v->results) == 1)
        from_single_case(json_object_array_get_idx(v->results, 0), base64, v);
    return 0;
}

int rbx_run_view_of(const rbx_report *rep, json_object *native, bool base64, rbx_run_view *v)
{
    json_object *results = get(native, "results");
    bool graded_in_native = results && json_object_is_type(results, json_type_array);
    /* Graded reports carry their cases now (rep->cases), but the writers
     * still read a graded run's results from the native answer. */
    if (rep->mode == RBX_REPORT_PLAIN && !graded_in_native) {
        memset(v, 0, sizeof(*v));
        of_report(rep, v);
        return 0;
    }
    return rbx_run_view_of_native(native, base64, v);
}

void rbx_run_view_free(rbx_run_view *v)
{
    for (size_t i = 0; i < v->n_owned; i++)
        free(v->owned[i]);
    v->n_owned = 0;
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
