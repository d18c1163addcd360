#include "engine/run.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/limits.h"
#include "engine/prebuilt.h"
#include "engine/workdir.h"

static int add_source(rbx_run *run, const char *name, rbx_error *err)
{
    size_t n = 0;
    while (run->sources && run->sources[n])
        n++;
    char **grown = realloc(run->sources, (n + 2) * sizeof(char *));
    if (!grown)
        return rbx_error_errno(err, "out of memory");
    run->sources = grown;
    run->sources[n] = strdup(name);
    run->sources[n + 1] = NULL;
    return run->sources[n] ? 0 : rbx_error_errno(err, "out of memory");
}

static void free_sources(rbx_run *run)
{
    for (size_t i = 0; run->sources && run->sources[i]; i++)
        free(run->sources[i]);
    free(run->sources);
    run->sources = NULL;
}

int rbx_run_add_file(rbx_run *run, const char *name, const char *data, size_t len, bool is_source,
                     rbx_error *err)
{
    if (rbx_workdir_write(&run->wd, name, data, len, err) < 0)
        return -1;
    return is_source ? add_source(run, name, err) : 0;
}

static int write_files(rbx_run *run, const rbx_request *req, rbx_error *err)
{
    for (size_t i = 0; i < req->n_files; i++) {
        const rbx_source_file *f = &req->files[i];
        bool src = i == 0 || rbx_language_is_source(run->lang, f->name);
        if (rbx_run_add_file(run, f->name, f->content, f->len, src, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < run->lang->n_support_files; i++) {
        const rbx_support_file *s = &run->lang->support_files[i];
        if (rbx_run_add_file(run, s->name, s->content, strlen(s->content), false, err) < 0)
            return -1;
    }
    return 0;
}

int rbx_run_prepare(rbx_run *run, const rbx_config *cfg, rbx_compile_cache *cache,
                    const rbx_request *req, rbx_error *err)
{
    char base[512];
    memset(run, 0, sizeof(*run));
    run->cfg = cfg;
    run->lang = req->lang;
    run->cache = cache;
    run->version = rbx_language_version(req->lang);
    const char *prebuilt = rbx_prebuilt_dir(cfg, req->lang);
    snprintf(run->prebuilt, sizeof(run->prebuilt), "%s", prebuilt ? prebuilt : "");
    run->wd.fd = -1;
    rbx_workdir_base(cfg->state_dir, base, sizeof(base));
    if (rbx_workdir_create(base, &run->wd, err) < 0)
        return -1;
    if (write_files(run, req, err) < 0) {
        rbx_run_finish(run);
        return -1;
    }
    run->entry = run->sources[0];
    run->main_class = req->main_class;
    return 0;
}

/* Whether the command names the prebuilt set: only then is it mounted (a
 * box with an extra mount is not built ahead). A program's own argument
 * naming it mounts it too, which shows nothing but the read-only set. */
static bool uses_prebuilt(const char *const *argv)
{
    size_t n = strlen(RBX_PREBUILT_BOX_DIR);
    for (size_t i = 0; argv[i]; i++) {
        const char *p = strstr(argv[i], RBX_PREBUILT_BOX_DIR);
        if (p && (p[n] == '\0' || p[n] == '/'))
            return true;
    }
    return false;
}

static int run_in_box(rbx_run *run, const char *const *argv, const rbx_sandbox_limits *limits,
                      const char *stdin_data, size_t stdin_len, bool keep_changes,
                      rbx_sandbox_result *res, rbx_error *err)
{
    rbx_sandbox_mount prebuilt = {run->prebuilt, RBX_PREBUILT_BOX_DIR, false};
    bool mount = run->prebuilt[0] && uses_prebuilt(argv);
    rbx_sandbox_config box = {
        .mounts = mount ? &prebuilt : NULL,
        .n_mounts = mount ? 1 : 0,
        .argv = argv,
        .envp = run->lang->env,
        .workdir = run->wd.path,
        .stdin_data = stdin_data,
        .stdin_len = stdin_len,
        .limits = *limits,
        .discard_workdir_changes = !keep_changes,
        /* A compile step is followed by the run; test cases by the next. */
        .build_next_during_run = keep_changes || run->batch,
    };
    return rbx_sandbox_run(&box, res, err);
}

bool rbx_run_compile_cached(const rbx_run *run)
{
    return run->compile_steps > 0 && run->compile_hits == run->compile_steps;
}

/* A compile step whose output the run step uses: answered by the compile
 * cache when the same inputs were compiled before, stored there otherwise. */
static int compile_in_box(rbx_run *run, const char *const *argv, const rbx_sandbox_limits *limits,
                          rbx_sandbox_result *res, rbx_error *err)
{
    rbx_compile_key_input key = {run->lang->id, run->version, argv, run->lang->env};
    rbx_compile_step step;
    run->compile_steps++;
    if (rbx_compile_cache_fetch(run->cache, &key, run->wd.fd, &step, res) == 1) {
        run->compile_hits++;
        rbx_compile_step_free(&step);
        return 0;
    }
    int rc = run_in_box(run, argv, limits, NULL, 0, true, res, err);
    if (rc == 0)
        rbx_compile_cache_store(run->cache, &step, run->wd.fd, res);
    rbx_compile_step_free(&step);
    return rc;
}

char **rbx_run_expand(const rbx_run *run, const char *const *tmpl, const char *const *extra,
                      rbx_error *err)
{
    rbx_argv_vars vars = {.file = run->entry,
                          .main_class = run->main_class,
                          .dir = RBX_RUN_BOX_DIR,
                          .sources = (const char *const *)run->sources,
                          .prebuilt = run->prebuilt[0] ? RBX_PREBUILT_BOX_DIR : NULL,
                          .options = NULL}; /* a plain run adds no options of its own */
    return rbx_argv_expand(tmpl, &vars, extra, err);
}

/* keep_changes: the compile step's output is what the run step executes; a
 * syntax check and the program's own run leave nothing anyone reads, so their
 * writes to /box are not copied back to the work dir. */
static int run_template(rbx_run *run, const char *const *tmpl, const char *const *extra,
                        const rbx_sandbox_limits *limits, const char *stdin_data, size_t stdin_len,
                        bool keep_changes, rbx_sandbox_result *res, rbx_error *err)
{
    char **argv = rbx_run_expand(run, tmpl, extra, err);
    if (!argv)
        return -1;
    int rc = run_in_box(run, (const char *const *)argv, limits, stdin_data, stdin_len, keep_changes,
                        res, err);
    rbx_argv_free(argv);
    return rc;
}

int rbx_run_compile(rbx_run *run, bool check_only, bool *ran, rbx_sandbox_result *res,
                    rbx_error *err)
{
    const char *const *tmpl = check_only ? run->lang->check_argv : run->lang->compile_argv;
    *ran = tmpl != NULL;
    if (!tmpl)
        return 0;
    rbx_sandbox_limits limits;
    rbx_limits_for_compile(run->lang, run->cfg, &limits);
    if (check_only)
        return run_template(run, tmpl, NULL, &limits, NULL, 0, false, res, err);
    char **argv = rbx_run_expand(run, tmpl, NULL, err);
    if (!argv)
        return -1;
    int rc = compile_in_box(run, (const char *const *)argv, &limits, res, err);
    rbx_argv_free(argv);
    return rc;
}

int rbx_run_program(rbx_run *run, const rbx_limits *requested, const char *stdin_data,
                    size_t stdin_len, const char *const *args, rbx_sandbox_result *res,
                    rbx_error *err)
{
    rbx_sandbox_limits limits;
    rbx_limits_for_run(requested, run->lang, run->cfg, &limits);
    return run_template(run, run->lang->run_argv, args, &limits, stdin_data, stdin_len, false, res,
                        err);
}

int rbx_run_argv(rbx_run *run, bool compile_step, const rbx_limits *requested,
                 const char *const *argv, const char *stdin_data, size_t stdin_len,
                 uint64_t wall_cap_ms, bool keep_changes, rbx_sandbox_result *res, rbx_error *err)
{
    rbx_sandbox_limits limits;
    if (compile_step)
        rbx_limits_for_compile(run->lang, run->cfg, &limits);
    else
        rbx_limits_for_run(requested, run->lang, run->cfg, &limits);
    if (wall_cap_ms && wall_cap_ms < limits.wall_time_ms)
        limits.wall_time_ms = wall_cap_ms;
    char **ready = rbx_argv_prebuilt(argv, run->prebuilt[0] ? RBX_PREBUILT_BOX_DIR : NULL, err);
    if (!ready)
        return -1;
    const char *const *a = (const char *const *)ready;
    int rc = compile_step && keep_changes
                 ? compile_in_box(run, a, &limits, res, err)
                 : run_in_box(run, a, &limits, stdin_data, stdin_len, keep_changes, res, err);
    rbx_argv_free(ready);
    return rc;
}

void rbx_run_finish(rbx_run *run)
{
    rbx_error ignored;
    rbx_workdir_remove(&run->wd, &ignored);
    free_sources(run);
}

bool rbx_run_is_compile_error(const rbx_language *lang, const rbx_sandbox_result *res)
{
    if (lang->compiled || !lang->syntax_error || res->status != RBX_SANDBOX_RUNTIME_ERROR ||
        !res->stderr_buf)
        return false;
    regex_t re;
    if (regcomp(&re, lang->syntax_error, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool hit = regexec(&re, res->stderr_buf, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}
