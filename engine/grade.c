/* /execute with test_cases, function_name or tests: the engine's side of
 * engine/grading/grading.h. Grading plans the compile and the runs; the
 * engine gives it the work dir, the language's commands, the request's spec
 * and a runner that puts each run in a fresh box with the right limits and
 * judges it with the one verdict function (engine/report.h). */
#include "engine/grade.h"

#include <stdlib.h>
#include <string.h>

#include "engine/grading/grading.h"
#include "engine/limits.h"

typedef struct runner_ctx {
    rbx_run *run;
    const rbx_request *req;
    uint64_t answer_left; /* output bytes the answer may still carry */
} runner_ctx;

/* The cases share the answer's budget (max_answer_kb): each runs with the
 * output limit lowered to what is left, so 100 cases of 1 MB each cost the
 * service one answer's worth of memory, not 100. A case past the budget stops
 * at output_limit after its first kilobyte. */
static int run_for_grading(void *ctx, rbx_grading_phase phase, const char *const *argv,
                           const char *stdin_data, size_t stdin_len, uint64_t wall_cap_ms,
                           bool keep_changes, rbx_run_result *result, rbx_error *err)
{
    runner_ctx *c = ctx;
    rbx_limits limits;
    rbx_limits_effective(&c->req->limits, c->run->lang, c->run->cfg, &limits);
    uint64_t left_kb = c->answer_left / 1024;
    if (phase == RBX_GRADING_RUN && left_kb < limits.output_kb)
        limits.output_kb = left_kb ? left_kb : 1;
    rbx_sandbox_result res = {0};
    if (rbx_run_argv(c->run, phase == RBX_GRADING_COMPILE, &limits, argv, stdin_data, stdin_len,
                     wall_cap_ms, keep_changes, &res, err) < 0)
        return -1;
    if (phase == RBX_GRADING_RUN) {
        uint64_t used = res.stdout_len + res.stderr_len;
        c->answer_left = used < c->answer_left ? c->answer_left - used : 0;
    }
    rbx_run_result_take(result, c->run->lang, &res);
    return 0;
}

static const char **extra_file_names(const rbx_request *req)
{
    const char **names = calloc(req->n_files + 1, sizeof(char *));
    for (size_t i = 1; names && i < req->n_files; i++)
        names[i - 1] = req->files[i].name;
    return names;
}

int rbx_engine_grade(const rbx_config *cfg, rbx_run *run, const rbx_request *req, rbx_report *rep,
                     rbx_error *err)
{
    int rc = -1;
    char **compile_argv = NULL, **run_argv = NULL;
    const char **extra = extra_file_names(req);
    if (!extra)
        return rbx_error_errno(err, "out of memory");
    /* Interpreted languages: their syntax check is the compile step, so a
     * syntax error is one compile_error, not a runtime error per case. */
    const char *const *compile_tmpl =
        (const char *const *)(run->lang->compile_argv ? run->lang->compile_argv
                                                      : run->lang->check_argv);
    if ((compile_tmpl && !(compile_argv = rbx_run_expand(run, compile_tmpl, NULL, err))) ||
        !(run_argv = rbx_run_expand(run, run->lang->run_argv, (const char *const *)req->args, err)))
        goto out;
    runner_ctx ctx = {run, req, cfg->max_answer_kb * 1024};
    rbx_grading_runner runner = {run_for_grading, &ctx};
    rbx_grading_job job = {
        .language = run->lang->id,
        .spec = &req->grading,
        .code = req->files[0].content, /* decoded, with its `imports` in front */
        .workdir_fd = run->wd.fd,
        .compile_argv = (const char *const *)compile_argv,
        .run_argv = (const char *const *)run_argv,
        .extra_files = extra,
        .n_extra_files = req->n_files - 1,
        .definition = {.compile = (const char *const *)run->lang->compile_argv,
                       .run = (const char *const *)run->lang->run_argv,
                       .check = (const char *const *)run->lang->check_argv,
                       .dir = RBX_RUN_BOX_DIR,
                       .prebuilt = run->prebuilt[0] != '\0'},
    };
    rbx_grading_options opts = {cfg->max_grading_wall_ms};
    if (rbx_grading_execute(&job, &runner, &opts, rep, err) < 0)
        goto out;
    rep->compile.cached = rbx_run_compile_cached(run);
    rc = 0;
out:
    rbx_argv_free(compile_argv);
    rbx_argv_free(run_argv);
    free(extra);
    return rc;
}
