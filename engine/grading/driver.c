/* The grading driver: compile once, run each case through the engine's
 * runner, compare, and fill the report. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"
#include "engine/grading/mode.h"
#include "engine/grading/result_file.h"
#include "engine/grading/results.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define RBX_DEFAULT_TOTAL_WALL_MS 30000

typedef struct grading {
    const rbx_grading_job *job;
    const rbx_grading_spec *spec;
    const rbx_grading_runner *runner;
    rbx_report *rep;
    uint64_t budget_ms;
    rbx_harness_plan plan;
    const char *const *compile_argv; /* I/O mode: the language's own commands */
    const char *const *run_argv;
    rbx_grading_tally tally;
    uint64_t started_ms;
} grading;

static int oom(rbx_error *err)
{
    return rbx_error_errno(err, "out of memory");
}

/* The harness found no function to call: the whole answer is a
 * compile_error with message, and no compile time of its own. */
static int compile_error(grading *g, const char *message, size_t len, rbx_error *err)
{
    rbx_compile_report *c = &g->rep->compile;
    c->failed = true;
    c->time_ms = 0;
    g->rep->verdict = RBX_VERDICT_COMPILE_ERROR;
    g->rep->all_passed = false;
    rbx_bytes_free(&c->message);
    return rbx_bytes_set(&c->message, message, len) < 0 ? oom(err) : 0;
}

/* Run every compile step. 1: compiled; 0: compile_error in the report; -1: err. */
static int compile_steps(grading *g, rbx_error *err)
{
    rbx_compile_report *c = &g->rep->compile;
    bool io = g->spec->mode == RBX_MODE_IO;
    size_t n = io ? (g->compile_argv != NULL) : g->plan.n_compile;
    for (size_t i = 0; i < n; i++) {
        const char *const *argv = io ? g->compile_argv : g->plan.compile[i];
        /* A step that loads the submission is the submission running: the
         * request's limits, and nothing it writes reaches the cases. */
        bool loading = !io && g->plan.runs_code[i];
        rbx_run_result r;
        memset(&r, 0, sizeof(r));
        if (g->runner->run(g->runner->ctx, loading ? RBX_GRADING_CHECK : RBX_GRADING_COMPILE, argv,
                           NULL, 0, 0, !loading, &r, err) < 0)
            return -1;
        c->ran = true;
        c->time_ms += r.wall_ms;
        rbx_run_result_free(&c->result);
        c->result = r;
        if (r.verdict == RBX_VERDICT_INTERNAL_ERROR)
            return rbx_error_internal(err, "compile step could not run: %s", r.message);
        if (r.verdict == RBX_VERDICT_CANCELLED) {
            g->rep->verdict = RBX_VERDICT_CANCELLED; /* the client went away: no cases */
            return 0;
        }
        if (r.verdict != RBX_VERDICT_SUCCESS) {
            c->failed = true;
            g->rep->verdict = RBX_VERDICT_COMPILE_ERROR;
            return rbx_compile_message(&c->result, &c->message) < 0 ? oom(err) : 0;
        }
    }
    return 1;
}

/* What one case feeds the program on stdin: its stdin, or its arguments as JSON. */
static const char *case_stdin(const grading *g, const rbx_test_case *tc, size_t *len)
{
    if (g->spec->mode == RBX_MODE_CALLS) {
        const char *s = json_object_to_json_string_ext(tc->input, JSON_C_TO_STRING_PLAIN);
        *len = strlen(s);
        return s;
    }
    *len = tc->stdin_len;
    return tc->stdin_data ? tc->stdin_data : "";
}

/* Run one case and add its report. 1: go on; 0: the harness found no
 * callable function (the report is now a compile_error); -1: err. */
static int run_case(grading *g, size_t i, uint64_t cap_ms, rbx_error *err)
{
    const rbx_test_case *tc = &g->spec->cases[i];
    bool calls = g->spec->mode == RBX_MODE_CALLS;
    if (calls && rbx_result_file_remove(g->job->workdir_fd, err) < 0)
        return -1;
    size_t in_len;
    const char *in = case_stdin(g, tc, &in_len);
    const char *const *argv = calls ? g->plan.run : g->run_argv;
    rbx_run_result r;
    memset(&r, 0, sizeof(r));
    /* An I/O case is judged by its output alone: its writes to /box are
     * dropped (no copy back), and the next case starts from the same files. */
    if (g->runner->run(g->runner->ctx, RBX_GRADING_RUN, argv, in, in_len, cap_ms, calls, &r, err) <
        0)
        return -1;
    if (calls && r.verdict == RBX_VERDICT_RUNTIME_ERROR &&
        r.exit_code == RBX_GRADING_EXIT_UNCALLABLE) {
        int rc = compile_error(g, r.err.data ? r.err.data : "", r.err.len, err);
        rbx_run_result_free(&r);
        return rc < 0 ? -1 : 0;
    }
    rbx_run_result measured = r; /* the measurements, read before the case takes r */
    int rc = calls ? rbx_case_call(g->rep, i, tc, &r, g->job->workdir_fd, g->spec->function_name)
                   : rbx_case_io(g->rep, i, tc, &r);
    if (rc < 0)
        return oom(err);
    rbx_tally_add(&g->tally, &g->rep->cases[g->rep->n_cases - 1], &measured);
    return 1;
}

/* Run the cases in order until the total budget is spent; cut ones are not_run. */
static int run_cases(grading *g, rbx_error *err)
{
    rbx_case_kind kind = g->spec->mode == RBX_MODE_CALLS ? RBX_CASE_CALL : RBX_CASE_IO;
    for (size_t i = 0; i < g->spec->n_cases; i++) {
        uint64_t used = rbx_clock_ms() - g->started_ms;
        if (used >= g->budget_ms) {
            if (rbx_case_not_run(g->rep, i, kind) < 0)
                return oom(err);
            rbx_tally_add(&g->tally, &g->rep->cases[g->rep->n_cases - 1], NULL);
            g->tally.cut++;
            continue;
        }
        int rc = run_case(g, i, g->budget_ms - used, err);
        if (rc <= 0)
            return rc;
        if (g->rep->cases[g->rep->n_cases - 1].verdict == RBX_VERDICT_CANCELLED)
            break; /* the client went away: the cases after it are not run */
    }
    return 1;
}

static int run_tests(grading *g, rbx_error *err)
{
    if (rbx_result_file_remove(g->job->workdir_fd, err) < 0)
        return -1;
    /* A fresh secret per run, on the harness's stdin: it signs each result
     * line with it (harness.h). 64 hex digits and a newline. */
    char key[2 * 32 + 2];
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(key, sizeof(key) - 1, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    strcat(key, "\n");
    bool on_stdin = !g->plan.key_file;
    if (!on_stdin &&
        rbx_harness_write(g->job->workdir_fd, RBX_GRADING_KEY_FILE, key, strlen(key), err) < 0)
        return -1;
    rbx_run_result *r = &g->rep->run;
    int rc = g->runner->run(g->runner->ctx, RBX_GRADING_RUN, g->plan.run, on_stdin ? key : NULL,
                            on_stdin ? strlen(key) : 0, g->budget_ms, true, r, err);
    if (!on_stdin && unlinkat(g->job->workdir_fd, RBX_GRADING_KEY_FILE, 0) < 0 && errno != ENOENT)
        rc = rc < 0 ? rc : rbx_error_errno(err, "cannot remove the key file");
    if (rc < 0)
        return -1;
    key[strcspn(key, "\n")] = '\0';
    if (rbx_tests_results(g->rep, g->plan.results, r, g->job->workdir_fd, key) < 0)
        return oom(err);
    for (size_t i = 0; i < g->rep->n_cases; i++)
        rbx_tally_add(&g->tally, &g->rep->cases[i], NULL);
    rbx_tally_add(&g->tally, NULL, r);
    return 1;
}

static int prepare(grading *g, rbx_error *err)
{
    rbx_grading_mode mode = g->spec->mode;
    static const rbx_report_mode report_modes[] = {
        [RBX_MODE_IO] = RBX_REPORT_IO,
        [RBX_MODE_CALLS] = RBX_REPORT_CALLS,
        [RBX_MODE_TESTS] = RBX_REPORT_TESTS,
    };
    if (mode != RBX_MODE_IO && mode != RBX_MODE_CALLS && mode != RBX_MODE_TESTS)
        return rbx_error_internal(err, "grading was given a spec that did not pass validation");
    g->rep->mode = report_modes[mode];
    g->rep->spec = g->spec;
    if (mode == RBX_MODE_IO) {
        g->compile_argv = g->job->compile_argv;
        g->run_argv = g->job->run_argv;
        if (!g->run_argv)
            return rbx_error_internal(err, "grading I/O cases needs the language's run command");
        return 0;
    }
    rbx_harness_input in = {
        .definition = &g->job->definition,
        .workdir_fd = g->job->workdir_fd,
        .code = g->job->code ? g->job->code : "",
        .function_name = g->spec->function_name,
        .tests = g->spec->tests,
        .extra_files = g->job->extra_files,
        .n_extra_files = g->job->extra_files ? g->job->n_extra_files : 0,
    };
    return rbx_harness_plan_make(g->job->language, &in, &g->plan, err);
}

static int grade(grading *g, rbx_error *err)
{
    if (prepare(g, err) < 0)
        return -1;
    if (g->plan.uncallable)
        return compile_error(g, g->plan.uncallable, strlen(g->plan.uncallable), err);
    int rc = compile_steps(g, err);
    if (rc <= 0)
        return rc;
    g->started_ms = rbx_clock_ms();
    rc = g->spec->mode == RBX_MODE_TESTS ? run_tests(g, err) : run_cases(g, err);
    if (rc <= 0)
        return rc;
    return rbx_tally_finish(&g->tally, g->rep, g->budget_ms) < 0 ? oom(err) : 0;
}

int rbx_grading_execute(const rbx_grading_job *job, const rbx_grading_runner *runner,
                        const rbx_grading_options *opts, rbx_report *rep, rbx_error *err)
{
    grading g;
    memset(&g, 0, sizeof(g));
    g.job = job;
    g.spec = job->spec;
    g.runner = runner;
    g.rep = rep;
    g.budget_ms = opts && opts->total_wall_ms ? opts->total_wall_ms : RBX_DEFAULT_TOTAL_WALL_MS;
    int rc = grade(&g, err);
    rbx_harness_plan_free(&g.plan);
    return rc < 0 ? -1 : 0;
}
