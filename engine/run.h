/* The steps of one submission in the sandbox, shared by /execute, /validate
 * and grading: prepare the work dir, compile (or syntax-check) once, run the
 * program as many times as needed, clean up. */
#ifndef RBX_ENGINE_RUN_H
#define RBX_ENGINE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "engine/compile_cache.h"
#include "engine/language.h"
#include "engine/request.h"
#include "engine/workdir.h"
#include "sandbox/sandbox.h"

/* The work dir as a box sees it ({dir}). */
#define RBX_RUN_BOX_DIR "/box"

typedef struct rbx_run {
    const rbx_config *cfg;
    const rbx_language *lang;
    rbx_workdir wd;
    char **sources;           /* NULL-terminated names for {sources}: entry first */
    const char *entry;        /* the entry file's name */
    const char *main_class;   /* {main}: the class holding main (Java), NULL for the stem */
    bool batch;               /* runs follow one another (test cases): build each next box early */
    rbx_compile_cache *cache; /* NULL: compile every time */
    const char *version;      /* the toolchain's, part of the compile cache's key */
    unsigned compile_steps;   /* compile steps so far, and how many the cache answered */
    unsigned compile_hits;
    char prebuilt[768]; /* host dir of the language's prebuilt set, "" when not built */
} rbx_run;

/* Create the work dir and write the request's files and the language's
 * support files into it. On failure nothing is left behind. cache may be
 * NULL (no compile cache). */
int rbx_run_prepare(rbx_run *run, const rbx_config *cfg, rbx_compile_cache *cache,
                    const rbx_request *req, rbx_error *err);

/* Whether every compile step of the run was answered by the compile cache. */
bool rbx_run_compile_cached(const rbx_run *run);

/* Extra files (e.g. a grading harness) after prepare; name must be new. */
int rbx_run_add_file(rbx_run *run, const char *name, const char *data, size_t len, bool is_source,
                     rbx_error *err);

/* Compile (check_only = false, through the compile cache) or syntax-check
 * (check_only = true) with the language's compile limits. *ran is false
 * when there is nothing to do (an interpreted language's compile step); res
 * is then untouched. */
int rbx_run_compile(rbx_run *run, bool check_only, bool *ran, rbx_sandbox_result *res,
                    rbx_error *err);

/* Run the program once. requested: the request's limits (0 = default). */
int rbx_run_program(rbx_run *run, const rbx_limits *requested, const char *stdin_data,
                    size_t stdin_len, const char *const *args, rbx_sandbox_result *res,
                    rbx_error *err);

/* Run a ready argv (e.g. a grading harness) with the compile limits (through
 * the compile cache when keep_changes) or the run limits, the wall time
 * lowered to wall_cap_ms when that is smaller. keep_changes false: what the
 * run writes in /box is not copied back to the work dir (a run judged by its
 * output alone). */
int rbx_run_argv(rbx_run *run, bool compile_step, const rbx_limits *requested,
                 const char *const *argv, const char *stdin_data, size_t stdin_len,
                 uint64_t wall_cap_ms, bool keep_changes, rbx_sandbox_result *res, rbx_error *err);

/* A definition's template expanded for this run (free with rbx_argv_free). */
char **rbx_run_expand(const rbx_run *run, const char *const *tmpl, const char *const *extra,
                      rbx_error *err);

/* Whether a failed run of an interpreted language was really a compile
 * failure (e.g. Python's SyntaxError before any code ran). */
bool rbx_run_is_compile_error(const rbx_language *lang, const rbx_sandbox_result *res);

/* Remove the work dir (never following links) and free the run. */
void rbx_run_finish(rbx_run *run);

#endif
