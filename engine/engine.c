/* The engine's public face (engine.h): opening the language set and the
 * sandbox, the /languages documents, and the /execute and /validate flows. */
#include "engine/engine.h"
#include "engine/workdir.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_cap.h"
#include "common/limits.h"
#include "engine/compile_cache.h"
#include "engine/grade.h"
#include "engine/grading/grading.h"
#include "engine/language.h"
#include "engine/limits.h"
#include "engine/prebuilt.h"
#include "engine/request.h"
#include "engine/native.h"
#include "engine/report.h"
#include "engine/run.h"
#include "sandbox/sandbox.h"

struct rbx_engine {
    rbx_config cfg;
    rbx_language_set langs;
    rbx_compile_cache *cache; /* NULL when off or unusable (cache_error says why) */
    char cache_error[512];
};

/* The compile cache is an optimisation: a state dir it cannot use leaves
 * the engine working without it, and /health says why. */
static void open_cache(rbx_engine *eng)
{
    char dir[512];
    rbx_error err;
    snprintf(dir, sizeof(dir), "%s/compile-cache", eng->cfg.state_dir);
    if (rbx_compile_cache_open(dir, eng->cfg.compile_cache_mb * 1024 * 1024, &eng->cache, &err) < 0)
        snprintf(eng->cache_error, sizeof(eng->cache_error), "%s", err.message);
}

json_object *rbx_engine_cache_json(rbx_engine *eng)
{
    json_object *o = rbx_compile_cache_json(eng->cache);
    if (eng->cache_error[0])
        json_object_object_add(o, "error", json_object_new_string(eng->cache_error));
    json_object_object_add(o, "prebuilt",
                           rbx_prebuilt_json(&eng->cfg, eng->langs.items, eng->langs.n));
    return o;
}

int rbx_engine_prebuild(rbx_engine *eng, rbx_error *err)
{
    return rbx_prebuilt_build(&eng->cfg, eng->langs.items, eng->langs.n, err);
}

int rbx_engine_cache_stats(rbx_engine *eng, rbx_compile_cache_stats *out)
{
    if (!eng || !eng->cache)
        return -1;
    rbx_compile_cache_stats_get(eng->cache, out);
    return 0;
}

int rbx_engine_open(const rbx_config *cfg, rbx_engine **out, rbx_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return rbx_error_internal(err, "libsodium could not be initialised");
    rbx_sandbox_settings settings = {cfg->uid_base, cfg->uid_count, NULL};
    if (rbx_sandbox_init(&settings, err) < 0)
        return -1;
    rbx_engine *eng = calloc(1, sizeof(*eng));
    if (!eng)
        return rbx_error_errno(err, "out of memory");
    eng->cfg = *cfg;
    if (rbx_languages_load_dir(cfg->languages_dir, &eng->langs, err) < 0) {
        free(eng);
        return -1;
    }
    open_cache(eng);
    rbx_sandbox_build_ahead(cfg->build_ahead != 0);
    *out = eng;
    return 0;
}

int rbx_engine_take_cgroup(rbx_error *err)
{
    return rbx_sandbox_cgroup_setup(err);
}

void rbx_engine_idle(rbx_engine *eng)
{
    (void)eng;
    rbx_sandbox_idle();
}

void rbx_engine_watch_client(rbx_engine *eng, int fd)
{
    (void)eng;
    rbx_sandbox_watch_client(fd);
}

void rbx_engine_release_boxes(rbx_engine *eng)
{
    (void)eng;
    rbx_sandbox_shutdown();
}

int rbx_engine_sweep_run_dirs(const rbx_config *cfg, int *removed, rbx_error *err)
{
    char base[512];
    int n = 0;
    rbx_workdir_base(cfg->state_dir, base, sizeof(base));
    int rc = rbx_workdir_sweep(base, &n, err);
    if (removed)
        *removed = n;
    return rc;
}

void rbx_engine_close(rbx_engine *eng)
{
    if (!eng)
        return;
    rbx_sandbox_shutdown();
    rbx_compile_cache_close(eng->cache);
    rbx_languages_free(&eng->langs);
    free(eng);
}

static json_object *limits_json(const rbx_limits *l)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++)
        json_object_object_add(
            o, RBX_LIMIT_FIELDS[i].name,
            json_object_new_int64((int64_t)rbx_limit_get(l, &RBX_LIMIT_FIELDS[i])));
    return o;
}

static json_object *supports_json(void)
{
    static const char *const FEATURES[] = {"stdin",      "args",           "files", "validate",
                                           "test_cases", "function_tests", "tests", NULL};
    json_object *o = json_object_new_object();
    for (size_t i = 0; FEATURES[i]; i++)
        json_object_object_add(o, FEATURES[i], json_object_new_boolean(true));
    return o;
}

static json_object *language_json(rbx_engine *eng, rbx_language *lang, bool with_example)
{
    json_object *o = json_object_new_object(), *aliases = json_object_new_array();
    rbx_limits requested = {0}, defaults;
    rbx_limits_effective(&requested, lang, &eng->cfg, &defaults);
    for (size_t i = 0; lang->aliases && lang->aliases[i]; i++)
        json_object_array_add(aliases, json_object_new_string(lang->aliases[i]));
    json_object_object_add(o, "id", json_object_new_string(lang->id));
    json_object_object_add(o, "name", json_object_new_string(lang->name));
    json_object_object_add(o, "version", json_object_new_string(rbx_language_version(lang)));
    json_object_object_add(o, "aliases", aliases);
    json_object_object_add(o, "compiled", json_object_new_boolean(lang->compiled));
    /* Which program compiles a run and which checks /validate: they differ
     * where a fast one runs (TypeScript: esbuild strips types, tsc checks them). */
    json_object_object_add(o, "compile_command",
                           lang->compile_argv ? json_object_new_string(lang->compile_argv[0])
                                              : NULL);
    json_object_object_add(o, "validate_command",
                           lang->check_argv ? json_object_new_string(lang->check_argv[0]) : NULL);
    json_object_object_add(o, "file_name", json_object_new_string(lang->file_name));
    json_object_object_add(o, "supports", supports_json());
    json_object_object_add(o, "default_limits", limits_json(&defaults));
    if (with_example)
        json_object_object_add(o, "example", json_object_new_string(lang->example));
    return o;
}

json_object *rbx_engine_languages_json(rbx_engine *eng)
{
    json_object *arr = json_object_new_array(), *o = json_object_new_object();
    for (size_t i = 0; i < eng->langs.n; i++)
        json_object_array_add(arr, language_json(eng, eng->langs.items[i], false));
    json_object_object_add(o, "languages", arr);
    return o;
}

int rbx_engine_language_json(rbx_engine *eng, const char *id_or_alias, json_object **out,
                             rbx_error *err)
{
    rbx_language *lang = rbx_languages_find(&eng->langs, id_or_alias);
    *out = NULL;
    if (!lang)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, "", "unknown language \"%.64s\"",
                               id_or_alias);
    *out = language_json(eng, lang, true);
    return 0;
}

int rbx_request_parse(rbx_engine *eng, json_object *body, bool for_async, rbx_request **out,
                      rbx_error *err)
{
    return rbx_request_parse_with(&eng->cfg, &eng->langs, body, for_async, out, err);
}

/* The compile step into the report; 1: go on and run, 0: compilation
 * failed (the report says so), -1: err. */
static int compile_step(rbx_run *run, rbx_report *rep, rbx_error *err)
{
    rbx_sandbox_result res = {0};
    bool ran;
    if (rbx_run_compile(run, false, &ran, &res, err) < 0)
        return -1;
    if (!ran)
        return 1;
    rbx_compile_report *c = &rep->compile;
    c->ran = true;
    c->cached = rbx_run_compile_cached(run);
    rbx_run_result_take(&c->result, run->lang, &res);
    c->time_ms = c->result.wall_ms;
    if (res.status == RBX_SANDBOX_OK)
        return 1;
    c->failed = true;
    /* A compiler that ran out of memory or time is still the submission's
     * compile_error; a box that could not be set up is ours, and a compile
     * stopped because the client went away is neither. */
    rep->verdict = res.status == RBX_SANDBOX_INTERNAL_ERROR ? RBX_VERDICT_INTERNAL_ERROR
                   : res.status == RBX_SANDBOX_CANCELLED    ? RBX_VERDICT_CANCELLED
                                                            : RBX_VERDICT_COMPILE_ERROR;
    return rbx_compile_message(&c->result, &c->message) < 0 ? rbx_error_errno(err, "out of memory")
                                                            : 0;
}

/* An interpreter that refused the source before running it (Python's
 * SyntaxError): the run becomes the report's failed compile step. */
static int run_as_compile_error(rbx_report *rep, rbx_error *err)
{
    rbx_compile_report *c = &rep->compile;
    rbx_run_result_free(&c->result);
    c->result = rep->run;
    memset(&rep->run, 0, sizeof(rep->run));
    rep->run.exit_code = -1;
    c->ran = c->failed = true;
    c->time_ms = c->result.wall_ms;
    rep->verdict = RBX_VERDICT_COMPILE_ERROR;
    return rbx_compile_message(&c->result, &c->message) < 0 ? rbx_error_errno(err, "out of memory")
                                                            : 0;
}

/* Compile, then run unless compilation failed. */
static int compile_and_run(rbx_run *run, const rbx_request *req, rbx_report *rep, rbx_error *err)
{
    int rc = compile_step(run, rep, err);
    if (rc <= 0)
        return rc;
    rbx_sandbox_result res = {0};
    if (rbx_run_program(run, &req->limits, req->stdin_data, req->stdin_len,
                        (const char *const *)req->args, &res, err) < 0)
        return -1;
    bool syntax_error = rbx_run_is_compile_error(req->lang, &res);
    rbx_run_result_take(&rep->run, req->lang, &res);
    if (syntax_error)
        return run_as_compile_error(rep, err);
    rep->verdict = rep->run.verdict;
    return 0;
}

int rbx_engine_run(rbx_engine *eng, const rbx_request *req, const char *run_id, rbx_report *rep,
                   rbx_error *err)
{
    rbx_run run;
    rbx_report_init(rep, run_id, req->lang, rbx_language_version(req->lang));
    if (rbx_run_prepare(&run, &eng->cfg, eng->cache, req, err) < 0)
        return -1;
    int rc;
    run.batch = req->grading.mode != RBX_MODE_NONE;
    if (run.batch)
        rc = rbx_engine_grade(&eng->cfg, &run, req, rep, err);
    else
        rc = compile_and_run(&run, req, rep, err);
    rbx_run_finish(&run);
    if (rc < 0)
        rbx_report_free(rep);
    return rc;
}

int rbx_engine_execute_report(rbx_engine *eng, const rbx_request *req, const char *run_id,
                              rbx_report *report, json_object **response, rbx_error *err)
{
    *response = NULL;
    if (rbx_engine_run(eng, req, run_id, report, err) < 0)
        return -1;
    *response = rbx_native_execute(report, req->base64);
    if (!*response) {
        rbx_report_free(report);
        return rbx_error_errno(err, "out of memory");
    }
    /* One request's answer is bounded as a whole, not only run by run. */
    rbx_json_cap(*response, eng->cfg.max_answer_kb * 1024);
    return 0;
}

int rbx_engine_execute(rbx_engine *eng, const rbx_request *req, const char *run_id,
                       json_object **response, rbx_error *err)
{
    rbx_report rep;
    int rc = rbx_engine_execute_report(eng, req, run_id, &rep, response, err);
    if (rc == 0)
        rbx_report_free(&rep);
    return rc;
}

int rbx_engine_validate(rbx_engine *eng, const rbx_request *req, json_object **response,
                        rbx_error *err)
{
    rbx_run run;
    rbx_sandbox_result check = {0};
    bool ran;
    *response = NULL;
    if (rbx_run_prepare(&run, &eng->cfg, eng->cache, req, err) < 0)
        return -1;
    int rc = rbx_run_compile(&run, true, &ran, &check, err);
    if (rc == 0) {
        rbx_run_result result;
        rbx_run_result_take(&result, req->lang, &check);
        *response =
            rbx_native_validate(req->lang, rbx_language_version(req->lang), &result, req->base64);
        rbx_run_result_free(&result);
    }
    rbx_run_finish(&run);
    rbx_sandbox_result_free(&check);
    return rc;
}

json_object *rbx_engine_isolation_json(rbx_engine *eng)
{
    rbx_sandbox_caps caps;
    rbx_error err;
    (void)eng;
    json_object *o = json_object_new_object();
    if (rbx_sandbox_probe(&caps, &err) < 0) {
        json_object_object_add(o, "error", json_object_new_string(err.message));
        return o;
    }
    json_object_object_add(o, "userns", json_object_new_boolean(caps.userns));
    json_object_object_add(o, "rootless", json_object_new_boolean(caps.rootless));
    json_object_object_add(o, "cgroup", json_object_new_string(caps.cgroup ? caps.cgroup : "none"));
    json_object_object_add(o, "cgroup_dir", json_object_new_string(caps.cgroup_dir));
    json_object_object_add(o, "cgroup_controllers",
                           json_object_new_string(caps.cgroup_controllers));
    json_object_object_add(o, "seccomp", json_object_new_boolean(caps.seccomp));
    return o;
}
