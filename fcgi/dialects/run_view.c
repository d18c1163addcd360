#include "fcgi/dialects/run_view.h"

#include <signal.h>
#include <string.h>

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

/* A graded run of one case (Judge0's expected_output) reads like a plain run. */
static void from_single_case(json_object *r, rbx_run_view *v)
{
    if (!v->stdout_text)
        v->stdout_text = str(r, "actual_output");
    if (!v->stderr_text)
        v->stderr_text = str(r, "error");
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
        v->signal = str(r, "signal");
}

void rbx_run_view_of(json_object *native, rbx_run_view *v)
{
    memset(v, 0, sizeof(*v));
    json_object *compile = get(native, "compile"), *lang = get(native, "language"), *x;
    v->id = str(native, "id");
    v->status = str(native, "status");
    v->stdout_text = str(native, "output");
    v->stderr_text = str(native, "error");
    v->compiled = compile != NULL;
    v->compile_status = str(compile, "status");
    v->compile_output = str(compile, "output");
    v->compile_time_ms = num(compile, "time_ms");
    if (v->status && strcmp(v->status, "compile_error") == 0) {
        if (!v->compile_output || !*v->compile_output)
            v->compile_output = v->stderr_text;
        v->stderr_text = NULL;
    }
    if ((x = get(native, "exit_code"))) {
        v->has_exit_code = true;
        v->exit_code = json_object_get_int(x);
    }
    v->signal = str(native, "signal");
    v->cpu_time_ms = num(native, "cpu_time_ms");
    v->wall_time_ms = num(native, "wall_time_ms");
    v->memory_kb = num(native, "memory_kb");
    v->truncated = (x = get(native, "truncated")) && json_object_get_boolean(x);
    v->results = (x = get(native, "results")) && json_object_is_type(x, json_type_array) ? x : NULL;
    if ((x = get(native, "all_passed"))) {
        v->has_all_passed = true;
        v->all_passed = json_object_get_boolean(x);
    }
    v->error_details = str(native, "error_details");
    v->language = str(lang, "id");
    v->version = str(lang, "version");
    if (v->results && json_object_array_length(v->results) == 1)
        from_single_case(json_object_array_get_idx(v->results, 0), v);
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
