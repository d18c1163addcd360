/* Grading wired into the engine: the runner callback runs each argv with
 * rbx_run_argv (a fresh box on the run's work dir, compile limits or the
 * request's), and the graded fields go over the engine's own response. */
#include "engine/grading/engine_glue.h"
#include "engine/grading/grading.h"

#include <stdlib.h>

bool rbx_engine_grading_wanted(const rbx_request *req)
{
    return req->test_cases || req->function_name || req->tests;
}

typedef struct glue_ctx {
    rbx_run *run;
    const rbx_request *req;
} glue_ctx;

static int glue_run(void *ctx, rbx_grading_phase phase, const char *const *argv,
                    const char *stdin_data, size_t stdin_len, uint64_t wall_cap_ms,
                    rbx_sandbox_result *result, rbx_error *err)
{
    glue_ctx *g = ctx;
    return rbx_run_argv(g->run, phase == RBX_GRADING_COMPILE, argv, &g->req->limits, wall_cap_ms,
                        stdin_data, stdin_len, result, err);
}

/* The grading fields of the request, decoded (base64 undone by the parser). */
static json_object *grading_body(const rbx_request *req)
{
    json_object *b = json_object_new_object();
    if (req->n_files > 0)
        json_object_object_add(
            b, "code", json_object_new_string_len(req->files[0].content, (int)req->files[0].len));
    if (req->test_cases)
        json_object_object_add(b, "test_cases", json_object_get(req->test_cases));
    if (req->function_name)
        json_object_object_add(b, "function_name", json_object_new_string(req->function_name));
    if (req->tests)
        json_object_object_add(b, "tests", json_object_new_string(req->tests));
    return b;
}

int rbx_engine_grade(rbx_run *run, const rbx_request *req, const rbx_outcome *o,
                     json_object **response, rbx_error *err)
{
    const char *extra[RBX_MAX_FILES + 1];
    size_t n_extra = 0;
    for (size_t i = 1; i < req->n_files && n_extra < RBX_MAX_FILES; i++)
        extra[n_extra++] = req->files[i].name;
    extra[n_extra] = NULL;
    const rbx_language *lang = req->lang;
    glue_ctx ctx = {run, req};
    rbx_grading_runner runner = {glue_run, &ctx};
    rbx_grading_job job = {
        .language = lang->id,
        .body = grading_body(req),
        .workdir_fd = run->wd.fd,
        /* interpreted languages: their syntax check is the compile step, so a
         * syntax error is one compile_error, not a runtime error per case */
        .compile_argv = (const char *const *)(lang->compile_argv ? lang->compile_argv
                                                                 : lang->check_argv),
        .run_argv = (const char *const *)lang->run_argv,
        .extra_files = extra,
        .n_extra_files = n_extra,
    };
    rbx_grading_options opts = {run->cfg->max_test_cases, run->cfg->max_grading_wall_ms};
    json_object *graded = NULL;
    int rc = rbx_grading_execute(&job, &runner, &opts, &graded, err);
    json_object_put(job.body);
    if (rc < 0)
        return -1;
    *response = rbx_response_execute(req, o);
    json_object_object_foreach(graded, key, value)
    {
        json_object_object_add(*response, key, json_object_get(value));
    }
    json_object_put(graded);
    return 0;
}
