/* /execute with test_cases, function_name or tests: the engine's side of
 * engine/grading/grading.h. Grading plans the compile and the runs; the
 * engine gives it the work dir, the language's commands and a runner that
 * puts each run in a fresh box with the right limits, then fits grading's
 * answer into the /execute response. */
#include "engine/grade.h"

#include <stdlib.h>
#include <string.h>

#include "engine/grading/grading.h"
#include "engine/limits.h"
#include "engine/native.h"

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
                           bool keep_changes, rbx_sandbox_result *result, rbx_error *err)
{
    runner_ctx *c = ctx;
    rbx_limits limits;
    rbx_limits_effective(&c->req->limits, c->run->lang, c->run->cfg, &limits);
    uint64_t left_kb = c->answer_left / 1024;
    if (phase == RBX_GRADING_RUN && left_kb < limits.output_kb)
        limits.output_kb = left_kb ? left_kb : 1;
    int rc = rbx_run_argv(c->run, phase == RBX_GRADING_COMPILE, &limits, argv, stdin_data,
                          stdin_len, wall_cap_ms, keep_changes, result, err);
    if (rc == 0 && phase == RBX_GRADING_RUN) {
        uint64_t used = result->stdout_len + result->stderr_len;
        c->answer_left = used < c->answer_left ? c->answer_left - used : 0;
    }
    return rc;
}

static void put_text(json_object *obj, const char *key, const char *buf, size_t len)
{
    json_object_object_add(obj, key, json_object_new_string_len(buf, (int)len));
}

/* The body grading reads, with every base64 field decoded (grading itself
 * knows nothing of transport encodings). */
static json_object *decoded_body(const rbx_request *req)
{
    json_object *copy = NULL, *files;
    if (json_object_deep_copy(req->body, &copy, NULL) != 0)
        return NULL;
    /* the entry as parsed: decoded, and with its `imports` in front */
    if (json_object_object_get_ex(copy, "code", NULL))
        put_text(copy, "code", req->files[0].content, req->files[0].len);
    if (!req->base64)
        return copy;
    json_object_object_add(copy, "base64_encoded", json_object_new_boolean(false));
    if (req->stdin_data)
        put_text(copy, "stdin", req->stdin_data, req->stdin_len);
    if (req->tests)
        put_text(copy, "tests", req->tests, strlen(req->tests));
    if (req->test_cases)
        json_object_object_add(copy, "test_cases", json_object_get(req->test_cases));
    if (json_object_object_get_ex(copy, "files", &files))
        for (size_t i = 0; i < json_object_array_length(files); i++) {
            json_object *f = json_object_array_get_idx(files, i);
            const char *name = json_object_get_string(json_object_object_get(f, "name"));
            for (size_t j = 0; name && j < req->n_files; j++)
                if (strcmp(req->files[j].name, name) == 0)
                    put_text(f, "content", req->files[j].content, req->files[j].len);
        }
    return copy;
}

/* Text that came out of a box: UTF-8 repaired, or base64 when asked. */
static void fix_text(json_object *obj, const char *key, bool b64)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return;
    json_object *fixed =
        rbx_native_text(json_object_get_string(v), (size_t)json_object_get_string_len(v), b64);
    if (fixed)
        json_object_object_add(obj, key, fixed);
}

static void fix_response_text(json_object *resp, bool b64)
{
    static const char *const TOP[] = {"output", "error", "error_details", NULL};
    static const char *const PER_RESULT[] = {
        "stdin", "expected_output", "actual_output", "stdout", "error", "message", NULL};
    json_object *compile, *results;
    for (size_t i = 0; TOP[i]; i++)
        fix_text(resp, TOP[i], b64);
    if (json_object_object_get_ex(resp, "compile", &compile) && compile)
        fix_text(compile, "output", b64);
    if (!json_object_object_get_ex(resp, "results", &results) ||
        !json_object_is_type(results, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(results); i++)
        for (size_t k = 0; PER_RESULT[k]; k++)
            fix_text(json_object_array_get_idx(results, i), PER_RESULT[k], b64);
}

static const char **extra_file_names(const rbx_request *req)
{
    const char **names = calloc(req->n_files + 1, sizeof(char *));
    for (size_t i = 1; names && i < req->n_files; i++)
        names[i - 1] = req->files[i].name;
    return names;
}

/* Grading's keys replace the skeleton's; "compile.cached" says whether the
 * compile cache answered every compile step. */
static void merge_into(json_object *resp, json_object *graded, bool cached)
{
    json_object_object_foreach(graded, key, val)
    {
        if (strcmp(key, "compile") == 0 && val && !json_object_object_get_ex(val, "cached", NULL))
            json_object_object_add(val, "cached", json_object_new_boolean(cached));
        json_object_object_add(resp, key, json_object_get(val));
    }
}

int rbx_engine_grade(const rbx_config *cfg, rbx_run *run, const rbx_request *req,
                     const rbx_report *skeleton, json_object **response, rbx_error *err)
{
    int rc = -1;
    json_object *body = decoded_body(req), *graded = NULL;
    char **compile_argv = NULL, **run_argv = NULL;
    const char **extra = extra_file_names(req);
    if (!body || !extra) {
        rbx_error_errno(err, "out of memory");
        goto out;
    }
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
        .body = body,
        .workdir_fd = run->wd.fd,
        .compile_argv = (const char *const *)compile_argv,
        .run_argv = (const char *const *)run_argv,
        .extra_files = extra,
        .n_extra_files = req->n_files - 1,
    };
    rbx_grading_options opts = {cfg->max_grading_wall_ms};
    if (rbx_grading_execute(&job, &runner, &opts, &graded, err) < 0)
        goto out;
    *response = rbx_native_execute(skeleton, req->base64);
    merge_into(*response, graded, rbx_run_compile_cached(run));
    json_object *wall = json_object_object_get(*response, "wall_time_ms");
    json_object_object_add(*response, "execution_time",
                           rbx_native_seconds((uint64_t)json_object_get_int64(wall)));
    fix_response_text(*response, req->base64);
    rc = 0;
out:
    json_object_put(graded);
    json_object_put(body);
    rbx_argv_free(compile_argv);
    rbx_argv_free(run_argv);
    free(extra);
    return rc;
}
