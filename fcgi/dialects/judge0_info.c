/* Judge0's read-only routes: languages (1.13.1 ids, CE 1.14 ids accepted on
 * submissions), the 14 statuses, /about (a version its SDKs recognise),
 * /config_info (every key Judge0 returns, with runbox's values), /system_info
 * and /workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/judge0.h"
#include "fcgi/dialects/shapes.h"
#include "store/jobs.h"

static const judge0_language LANGUAGES[] = {
    {50, "c", "C (GCC ", "main.c", {48, 49, 75, 103, 104, 0}},
    {54, "cpp", "C++ (GCC ", "main.cpp", {52, 53, 76, 105, 0}},
    {60, "go", "Go (", "main.go", {95, 106, 107, 0}},
    {62, "java", "Java (OpenJDK ", "Main.java", {91, 0}},
    {63, "javascript", "JavaScript (Node.js ", "script.js", {93, 102, 0}},
    {71, "python", "Python (", "script.py", {92, 100, 0}},
    {74, "typescript", "TypeScript (", "script.ts", {94, 101, 0}},
};
#define N_LANGUAGES (sizeof(LANGUAGES) / sizeof(LANGUAGES[0]))

const judge0_language *judge0_language_of(int id)
{
    for (size_t i = 0; i < N_LANGUAGES; i++) {
        if (LANGUAGES[i].id == id)
            return &LANGUAGES[i];
        for (size_t k = 0; LANGUAGES[i].other_ids[k]; k++)
            if (LANGUAGES[i].other_ids[k] == id)
                return &LANGUAGES[i];
    }
    return NULL;
}

const judge0_language *judge0_language_of_runbox(const char *runbox_id)
{
    for (size_t i = 0; i < N_LANGUAGES; i++)
        if (strcmp(LANGUAGES[i].runbox, runbox_id) == 0)
            return &LANGUAGES[i];
    return NULL;
}

static json_object *native_language(rbx_service *svc, const judge0_language *l)
{
    json_object *o = NULL;
    rbx_error ignored;
    return rbx_engine_language_json(svc->engine, l->runbox, &o, &ignored) < 0 ? NULL : o;
}

static json_object *language_ref(rbx_service *svc, const judge0_language *l, json_object **native)
{
    json_object *n = native_language(svc, l), *version = NULL;
    char name[128];
    if (n)
        json_object_object_get_ex(n, "version", &version);
    snprintf(name, sizeof(name), "%s%s)", l->name,
             version ? json_object_get_string(version) : "unknown");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int(l->id));
    json_object_object_add(o, "name", json_object_new_string(name));
    if (native)
        *native = n;
    else
        json_object_put(n);
    return o;
}

json_object *judge0_language_ref(rbx_service *svc, const judge0_language *l)
{
    return language_ref(svc, l, NULL);
}

int judge0_handle_languages(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)err;
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < N_LANGUAGES; i++)
        json_object_array_add(list, judge0_language_ref(call->svc, &LANGUAGES[i]));
    rbx_reply_json(reply, 200, list);
    return 0;
}

int judge0_handle_language(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char *end = NULL;
    long id = strtol(call->param, &end, 10);
    const judge0_language *l = *end ? NULL : judge0_language_of((int)id);
    if (!l)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL,
                               "language with id %.20s doesn't exist", call->param);
    json_object *native = NULL, *o = language_ref(call->svc, l, &native), *compiled = NULL;
    json_object_object_add(o, "id", json_object_new_int((int)id));
    json_object_object_add(o, "is_archived", json_object_new_boolean(false));
    json_object_object_add(o, "source_file", json_object_new_string(l->source_file));
    bool is_compiled = native && json_object_object_get_ex(native, "compiled", &compiled) &&
                       json_object_get_boolean(compiled);
    /* runbox's commands are argv templates of its language definitions, not shell lines */
    json_object_object_add(
        o, "compile_cmd",
        is_compiled ? json_object_new_string("(the language definition's compile step)") : NULL);
    json_object_object_add(o, "run_cmd",
                           json_object_new_string("(the language definition's run step)"));
    json_object_put(native);
    rbx_reply_json(reply, 200, o);
    return 0;
}

int judge0_handle_statuses(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)call;
    (void)err;
    json_object *list = json_object_new_array();
    for (size_t i = 1; i <= judge0_status_count(); i++)
        json_object_array_add(list, judge0_status_json((int)i));
    rbx_reply_json(reply, 200, list);
    return 0;
}

int judge0_handle_about(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)call;
    (void)err;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(JUDGE0_VERSION));
    json_object_object_add(o, "homepage", json_object_new_string("https://judge0.com"));
    json_object_object_add(o, "source_code",
                           json_object_new_string("https://github.com/judge0/judge0"));
    json_object_object_add(o, "maintainer",
                           json_object_new_string("runbox (a Judge0-compatible dialect)"));
    rbx_reply_json(reply, 200, o);
    return 0;
}

static void put_int(json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static void put_seconds(json_object *o, const char *key, uint64_t ms)
{
    json_object_object_add(o, key, json_object_new_double((double)ms / 1000.0));
}

static void put_bool(json_object *o, const char *key, bool v)
{
    json_object_object_add(o, key, json_object_new_boolean(v));
}

/* Judge0's configuration keys, with what runbox does: the defaults are the
 * languages' own (shown: Python's, the most used), the maxima the server's. */
int judge0_handle_config_info(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)err;
    const rbx_config *cfg = call->svc->cfg;
    json_object *o = json_object_new_object();
    put_bool(o, "maintenance_mode", false);
    put_bool(o, "enable_wait_result", true);
    put_bool(o, "enable_compiler_options", false);
    json_object_object_add(o, "allowed_languages_for_compile_options", json_object_new_array());
    put_bool(o, "enable_command_line_arguments", true);
    put_bool(o, "enable_submission_delete", false);
    put_bool(o, "enable_callbacks", true);
    put_int(o, "callbacks_max_tries", cfg->callback_max_attempts);
    put_seconds(o, "callbacks_timeout", (uint64_t)cfg->callback_timeout_ms);
    put_bool(o, "enable_additional_files", false);
    put_int(o, "max_queue_size", cfg->jobs_max_queued);
    put_seconds(o, "cpu_time_limit", 5000);
    put_seconds(o, "max_cpu_time_limit", cfg->max.cpu_time_ms);
    json_object_object_add(o, "cpu_extra_time", json_object_new_double(0));
    json_object_object_add(o, "max_cpu_extra_time", json_object_new_double(0));
    put_seconds(o, "wall_time_limit", 10000);
    put_seconds(o, "max_wall_time_limit", cfg->max.wall_time_ms);
    put_int(o, "memory_limit", 131072);
    put_int(o, "max_memory_limit", (int64_t)cfg->max.memory_kb);
    put_int(o, "stack_limit", (int64_t)cfg->max.memory_kb);
    put_int(o, "max_stack_limit", (int64_t)cfg->max.memory_kb);
    put_int(o, "max_processes_and_or_threads", 32);
    put_int(o, "max_max_processes_and_or_threads", (int64_t)cfg->max.processes);
    put_bool(o, "enable_per_process_and_thread_time_limit", false);
    put_bool(o, "allow_enable_per_process_and_thread_time_limit", false);
    put_bool(o, "enable_per_process_and_thread_memory_limit", false);
    put_bool(o, "allow_enable_per_process_and_thread_memory_limit", false);
    put_int(o, "max_file_size", (int64_t)cfg->box_size_kb);
    put_int(o, "max_max_file_size", (int64_t)cfg->box_size_kb);
    put_int(o, "number_of_runs", 1);
    put_int(o, "max_number_of_runs", 1);
    put_bool(o, "redirect_stderr_to_stdout", false);
    put_int(o, "max_extract_size", 0);
    put_bool(o, "enable_batched_submissions", true);
    put_int(o, "max_submission_batch_size", JUDGE0_BATCH_MAX);
    put_int(o, "submission_cache_duration", 0);
    put_bool(o, "use_docs_as_homepage", false);
    put_bool(o, "allow_enable_network", false);
    put_bool(o, "enable_network", false);
    put_bool(o, "disable_implicit_base64_encoding", true);
    rbx_reply_json(reply, 200, o);
    return 0;
}

/* "Model name" of the first CPU, from /proc/cpuinfo (a host file, read-only). */
static void cpu_model(char *out, size_t outsz)
{
    snprintf(out, outsz, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(out, outsz, "%s", colon + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

int judge0_handle_system_info(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    (void)call;
    struct utsname u;
    struct sysinfo si;
    char buf[256];
    if (uname(&u) < 0 || sysinfo(&si) < 0)
        return rbx_error_errno(err, "cannot read the system's information");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "Architecture", json_object_new_string(u.machine));
    snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    json_object_object_add(o, "CPU(s)", json_object_new_string(buf));
    cpu_model(buf, sizeof(buf));
    json_object_object_add(o, "Model name", json_object_new_string(buf));
    snprintf(buf, sizeof(buf), "%.1fG", (double)si.totalram * si.mem_unit / (1024.0 * 1024 * 1024));
    json_object_object_add(o, "Mem", json_object_new_string(buf));
    snprintf(buf, sizeof(buf), "%.1fG",
             (double)si.totalswap * si.mem_unit / (1024.0 * 1024 * 1024));
    json_object_object_add(o, "Swap", json_object_new_string(buf));
    rbx_reply_json(reply, 200, o);
    return 0;
}

int judge0_handle_workers(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    int64_t pending = 0;
    if (rbx_jobs_count_pending(call->svc->store, &pending, err) < 0)
        return -1;
    int workers = call->svc->cfg->worker_concurrency;
    int64_t working = pending < workers ? pending : workers;
    json_object *q = json_object_new_object();
    json_object_object_add(q, "queue", json_object_new_string("default"));
    put_int(q, "size", pending - working);
    put_int(q, "available", workers);
    put_int(q, "idle", workers - working);
    put_int(q, "working", working);
    put_int(q, "paused", 0);
    put_int(q, "failed", 0);
    json_object *list = json_object_new_array();
    json_object_array_add(list, q);
    rbx_reply_json(reply, 200, list);
    return 0;
}
