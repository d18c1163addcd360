/* The grading driver: compile once, run each case through the engine's
 * runner, compare, and build the graded part of the /execute response. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"
#include "engine/grading/mode.h"
#include "engine/grading/results.h"
#include "engine/grading/result_file.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#define RBX_DEFAULT_TOTAL_WALL_MS 30000
#define RBX_MAX_RESULT_BYTES (1024 * 1024)

typedef struct grading {
    const rbx_grading_job *job;
    const rbx_grading_runner *runner;
    uint64_t budget_ms;
    rbx_grading_mode mode;
    rbx_harness_plan plan;
    const char *const *compile_argv; /* I/O mode: the language's own commands */
    const char *const *run_argv;
    const char *function_name;
    rbx_grading_tally tally;
    struct timespec started;
} grading;

static uint64_t elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - since->tv_sec) * 1000 +
           (uint64_t)((now.tv_nsec - since->tv_nsec) / 1000000);
}

static const char *body_string(json_object *body, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* compile: {status, output, time_ms} */
static void set_compile(json_object *out, const char *status, json_object *output, uint64_t time_ms)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "output", output ? output : json_object_new_string(""));
    json_object_object_add(c, "time_ms", json_object_new_int64((int64_t)time_ms));
    json_object_object_add(out, "compile", c);
}

/* The whole answer is a compile_error: no results. */
static void set_compile_error(json_object *out, json_object *message, uint64_t time_ms)
{
    json_object_object_add(out, "status", json_object_new_string("compile_error"));
    json_object_object_add(out, "error", json_object_get(message));
    json_object_object_add(out, "error_details", json_object_get(message));
    json_object_object_add(out, "results", NULL);
    json_object_object_add(out, "all_passed", json_object_new_boolean(0));
    set_compile(out, "error", json_object_get(message), time_ms);
}

static json_object *compile_output(const rbx_sandbox_result *r)
{
    size_t n = r->stdout_len + r->stderr_len;
    char *both = malloc(n + 1);
    if (!both)
        return json_object_new_string("");
    memcpy(both, r->stdout_buf ? r->stdout_buf : "", r->stdout_len);
    memcpy(both + r->stdout_len, r->stderr_buf ? r->stderr_buf : "", r->stderr_len);
    json_object *s = rbx_grading_bytes_json(both, n);
    free(both);
    return s;
}

static json_object *compile_failure_message(const rbx_sandbox_result *r, bool loading)
{
    if (r->status == RBX_SANDBOX_TIME_LIMIT)
        return json_object_new_string(loading ? "loading the submission took longer than the "
                                                "request's time limit"
                                              : "compilation took longer than the time limit");
    if (r->status == RBX_SANDBOX_MEMORY_LIMIT)
        return json_object_new_string(loading ? "loading the submission went over the request's "
                                                "memory limit"
                                              : "compilation ran out of memory");
    if (r->status == RBX_SANDBOX_OUTPUT_LIMIT)
        return json_object_new_string("the compiler's output went over the output limit");
    return compile_output(r);
}

/* Run every compile step. 1: compiled; 0: compile_error recorded in out; -1: err. */
static int compile_steps(grading *g, json_object *out, rbx_error *err)
{
    uint64_t time_ms = 0;
    size_t n = g->mode == RBX_MODE_IO ? (g->compile_argv != NULL) : g->plan.n_compile;
    for (size_t i = 0; i < n; i++) {
        const char *const *argv = g->mode == RBX_MODE_IO ? g->compile_argv : g->plan.compile[i];
        /* A step that loads the submission is the submission running: the
         * request's limits, and nothing it writes reaches the cases. */
        bool loading = g->mode != RBX_MODE_IO && g->plan.runs_code[i];
        rbx_sandbox_result r;
        memset(&r, 0, sizeof(r));
        if (g->runner->run(g->runner->ctx, loading ? RBX_GRADING_CHECK : RBX_GRADING_COMPILE, argv,
                           NULL, 0, 0, !loading, &r, err) < 0)
            return -1;
        time_ms += r.wall_time_ms;
        if (r.status == RBX_SANDBOX_INTERNAL_ERROR) {
            rbx_error_internal(err, "compile step could not run: %s", r.message);
            rbx_sandbox_result_free(&r);
            return -1;
        }
        if (r.status != RBX_SANDBOX_OK) {
            json_object *msg = compile_failure_message(&r, loading);
            rbx_sandbox_result_free(&r);
            set_compile_error(out, msg, time_ms);
            json_object_put(msg);
            return 0;
        }
        rbx_sandbox_result_free(&r);
    }
    set_compile(out, "success", NULL, time_ms);
    return 1;
}

/* What one case feeds the program on stdin: its stdin, or its arguments as JSON. */
static const char *case_stdin(const grading *g, json_object *c, size_t *len)
{
    json_object *v;
    if (g->mode == RBX_MODE_CALLS) {
        json_object_object_get_ex(c, "input", &v);
        const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        *len = strlen(s);
        return s;
    }
    if (!json_object_object_get_ex(c, "stdin", &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return "";
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* Run one case and append its result. 1: go on; 0: the harness found no
 * callable function (out now holds the compile_error); -1: err. */
static int run_case(grading *g, json_object *c, uint64_t cap_ms, json_object *results,
                    json_object *out, rbx_error *err)
{
    if (g->mode == RBX_MODE_CALLS && rbx_result_file_remove(g->job->workdir_fd, err) < 0)
        return -1;
    size_t in_len;
    const char *in = case_stdin(g, c, &in_len);
    const char *const *argv = g->mode == RBX_MODE_IO ? g->run_argv : g->plan.run;
    rbx_sandbox_result r;
    memset(&r, 0, sizeof(r));
    /* An I/O case is judged by its output alone: its writes to /box are
     * dropped (no copy back), and the next case starts from the same files. */
    bool keep = g->mode == RBX_MODE_CALLS;
    if (g->runner->run(g->runner->ctx, RBX_GRADING_RUN, argv, in, in_len, cap_ms, keep, &r, err) <
        0)
        return -1;
    if (g->mode == RBX_MODE_CALLS && r.status == RBX_SANDBOX_RUNTIME_ERROR &&
        r.exit_code == RBX_GRADING_EXIT_UNCALLABLE) {
        json_object *msg = rbx_grading_bytes_json(r.stderr_buf, r.stderr_len);
        set_compile_error(out, msg, 0);
        json_object_put(msg);
        rbx_sandbox_result_free(&r);
        return 0;
    }
    json_object *res = g->mode == RBX_MODE_CALLS
                           ? rbx_case_call_result(c, &r, g->job->workdir_fd, g->function_name)
                           : rbx_case_io_result(c, &r);
    rbx_tally_add(&g->tally, res, &r);
    json_object_array_add(results, res);
    rbx_sandbox_result_free(&r);
    return 1;
}

/* Run the cases in order until the total budget is spent; cut ones are not_run. */
static int run_cases(grading *g, json_object *out, rbx_error *err)
{
    json_object *cases, *results = json_object_new_array();
    json_object_object_get_ex(g->job->body, "test_cases", &cases);
    size_t n = json_object_array_length(cases);
    json_object_object_add(out, "results", results);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cases, i);
        uint64_t used = elapsed_ms(&g->started);
        if (used >= g->budget_ms) {
            json_object_array_add(results, rbx_case_not_run(c, g->mode == RBX_MODE_CALLS));
            g->tally.cut++;
            continue;
        }
        int rc = run_case(g, c, g->budget_ms - used, results, out, err);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

static int run_tests(grading *g, json_object *out, rbx_error *err)
{
    if (rbx_result_file_remove(g->job->workdir_fd, err) < 0)
        return -1;
    /* A fresh secret per run, on the harness's stdin: it signs each result
     * line with it (harness.h, signed_lines). */
    char key[2 * 32 + 2] = "";
    if (g->plan.signed_lines) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(key, sizeof(key) - 1, raw, sizeof(raw));
        strcat(key, "\n");
    }
    rbx_sandbox_result r;
    memset(&r, 0, sizeof(r));
    if (g->runner->run(g->runner->ctx, RBX_GRADING_RUN, g->plan.run, key[0] ? key : NULL,
                       strlen(key), g->budget_ms, true, &r, err) < 0)
        return -1;
    key[strcspn(key, "\n")] = '\0';
    json_object *results =
        rbx_tests_results(g->plan.results, &r, g->job->workdir_fd, key[0] ? key : NULL);
    json_object_object_add(out, "results", results);
    json_object_object_add(out, "output",
                           g->plan.results == RBX_RESULTS_GO_TEST2JSON
                               ? NULL
                               : rbx_grading_bytes_json(r.stdout_buf, r.stdout_len));
    json_object_object_add(out, "error", rbx_grading_bytes_json(r.stderr_buf, r.stderr_len));
    for (size_t i = 0; i < json_object_array_length(results); i++)
        rbx_tally_add(&g->tally, json_object_array_get_idx(results, i), NULL);
    rbx_tally_add(&g->tally, NULL, &r);
    rbx_sandbox_result_free(&r);
    return 1;
}

static int prepare(grading *g, rbx_error *err)
{
    json_object *body = g->job->body;
    g->function_name = body_string(body, "function_name");
    const char *tests = body_string(body, "tests");
    g->mode = rbx_grading_mode_of(body);
    if (g->mode != RBX_MODE_IO && g->mode != RBX_MODE_CALLS && g->mode != RBX_MODE_TESTS)
        return rbx_error_internal(err, "grading was given a body that did not pass validation");
    if (g->mode == RBX_MODE_IO) {
        g->compile_argv = g->job->compile_argv;
        g->run_argv = g->job->run_argv;
        if (!g->run_argv)
            return rbx_error_internal(err, "grading I/O cases needs the language's run command");
        return 0;
    }
    const char *code = body_string(body, "code");
    rbx_harness_input in = {
        .workdir_fd = g->job->workdir_fd,
        .code = code ? code : "",
        .function_name = g->function_name,
        .tests = tests,
        .extra_files = g->job->extra_files,
        .n_extra_files = g->job->extra_files ? g->job->n_extra_files : 0,
    };
    return rbx_harness_plan_make(g->job->language, &in, &g->plan, err);
}

static int grade(grading *g, json_object *out, rbx_error *err)
{
    if (prepare(g, err) < 0)
        return -1;
    if (g->plan.uncallable) {
        json_object *msg = json_object_new_string(g->plan.uncallable);
        set_compile_error(out, msg, 0);
        json_object_put(msg);
        return 0;
    }
    int rc = compile_steps(g, out, err);
    if (rc <= 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &g->started);
    rc = g->mode == RBX_MODE_TESTS ? run_tests(g, out, err) : run_cases(g, out, err);
    if (rc <= 0)
        return rc;
    rbx_tally_finish(&g->tally, out, g->budget_ms);
    return 0;
}

int rbx_grading_execute(const rbx_grading_job *job, const rbx_grading_runner *runner,
                        const rbx_grading_options *opts, json_object **out, rbx_error *err)
{
    grading g;
    memset(&g, 0, sizeof(g));
    g.job = job;
    g.runner = runner;
    g.budget_ms = opts && opts->total_wall_ms ? opts->total_wall_ms : RBX_DEFAULT_TOTAL_WALL_MS;
    *out = NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "output", NULL);
    json_object_object_add(o, "error", NULL);
    json_object_object_add(o, "exit_code", NULL);
    json_object_object_add(o, "signal", NULL);
    int rc = grade(&g, o, err);
    rbx_harness_plan_free(&g.plan);
    if (rc < 0) {
        json_object_put(o);
        return -1;
    }
    *out = o;
    return 0;
}
