/* Internal to engine/grading: what a language's harness generator produces.
 *
 * A plan is the files written into the work dir, the compile steps (run once,
 * under the compile limits, or the request's for a step that loads the
 * submission; any failure is the submission's compile_error)
 * and the run command (once per case, or once for test code), plus how to read
 * the results back. One generator per language lives in harness_<lang>.c. */
#ifndef RBX_GRADING_HARNESS_H
#define RBX_GRADING_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "engine/grading/grading.h"

#define RBX_PLAN_MAX_ARGS 48
#define RBX_PLAN_MAX_STEPS 3
#define RBX_PLAN_MAX_OWNED 64

/* Go test code: the one test the binary runs; each of the tests is its subtest. */
#define RBX_GRADING_GO_RUNNER "TestRbxAll"
#define RBX_GRADING_KEY_FILE ".rbx_key"

typedef enum rbx_results_kind {
    RBX_RESULTS_STDOUT,       /* I/O cases: the program's stdout is the answer */
    RBX_RESULTS_VALUE_FILE,   /* function calls: {"value": ...} in RBX_GRADING_RESULT_FILE */
    RBX_RESULTS_TEST_LINES,   /* test code: one signed line per test (below) */
    RBX_RESULTS_GO_TEST2JSON, /* Go test code: signed lines, messages from test2json on stdout */
} rbx_results_kind;

typedef struct rbx_harness_plan {
    const char *compile[RBX_PLAN_MAX_STEPS][RBX_PLAN_MAX_ARGS]; /* NULL-terminated argvs */
    /* The step loads the submission's own code (an import check) rather than
     * a compiler: it runs under the request's limits, and what it writes in
     * /box is dropped (it must not hand the cases anything). */
    bool runs_code[RBX_PLAN_MAX_STEPS];
    size_t n_compile;
    const char *run[RBX_PLAN_MAX_ARGS];
    /* Test code (every language): each result line is "<HMAC-SHA256 hex>
     * <JSON>", keyed with a fresh secret the harness reads from its stdin
     * (and closes) before the submission's code can run, so lines the
     * submission prints or writes itself are not results; the lines are
     * numbered ("seq") and end with {"done": true, "seq": n}, so a run cut
     * short or a file tampered with is a failure, not fewer tests. */
    rbx_results_kind results;
    /* The key goes in RBX_GRADING_KEY_FILE in the work dir, which the
     * harness removes before the code runs, rather than on stdin (Go: the
     * test binary runs under test2json, which gives it no stdin). */
    bool key_file;
    char *uncallable; /* set at generation time: the compile_error message */
    char *owned[RBX_PLAN_MAX_OWNED];
    size_t n_owned;
    char **expanded[RBX_PLAN_MAX_STEPS + 1]; /* the definition's commands, expanded */
    size_t n_expanded;
} rbx_harness_plan;

/* The harness's own files in a definition's command. */
typedef struct rbx_plan_files {
    const char *file;           /* {file} and {stem}: the entry */
    const char *main_class;     /* {main}; NULL: the stem */
    const char *const *sources; /* {sources}, NULL-terminated */
    const char *const *options; /* {options}: the harness's own, before the program */
} rbx_plan_files;

typedef struct rbx_harness_input {
    const rbx_grading_commands *definition;
    int workdir_fd;
    const char *code;
    const char *function_name; /* function calls, or NULL */
    const char *tests;         /* test code, or NULL */
    const char *const *extra_files;
    size_t n_extra_files;
} rbx_harness_input;

typedef int (*rbx_harness_generator)(const rbx_harness_input *in, rbx_harness_plan *plan,
                                     rbx_error *err);

int rbx_harness_python(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_javascript(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_typescript(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_java(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_cpp(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_go(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);
int rbx_harness_c(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err);

/* The generator for a canonical language id, or NULL. */
rbx_harness_generator rbx_harness_for(const char *language);

/* Generate a plan; -1 with err only on a service failure (writing a file). */
int rbx_harness_plan_make(const char *language, const rbx_harness_input *in, rbx_harness_plan *plan,
                          rbx_error *err);
void rbx_harness_plan_free(rbx_harness_plan *plan);

/* Helpers for the generators. */
const char *rbx_plan_keep(rbx_harness_plan *plan, char *s); /* plan frees s; NULL on overflow */
const char **rbx_plan_compile_step(rbx_harness_plan *plan); /* a new, empty compile argv */
const char **rbx_plan_check_step(rbx_harness_plan *plan);   /* one that runs the code (runs_code) */
void rbx_plan_argv(const char **argv, ...);                 /* append strings up to a NULL */
/* Append the definition's command tmpl for the harness's files to argv; the
 * harness's own arguments follow with rbx_plan_argv. {prebuilt} is kept for
 * the engine, which expands it (or leaves the element out) when it runs the
 * command. -1 with err when tmpl is NULL or does not expand. */
int rbx_plan_command(rbx_harness_plan *plan, const char **argv, const char *const *tmpl,
                     const rbx_harness_input *in, const rbx_plan_files *files, rbx_error *err);
/* The harness's sources for {sources}: first, then the request's extra files
 * whose names end in suffix, then last (either may be NULL); kept in the plan. */
const char *const *rbx_plan_sources(rbx_harness_plan *plan, const rbx_harness_input *in,
                                    const char *first, const char *suffix, const char *last);
void rbx_plan_argv_extra(const char **argv, const rbx_harness_input *in, const char *suffix);
void rbx_plan_uncallable(rbx_harness_plan *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write a file into the work dir (never through a symlink). */
int rbx_harness_write(int dirfd, const char *name, const char *data, size_t len, rbx_error *err);
/* Text built with open_memstream: start, then write with fprintf/fputs, then finish. */
FILE *rbx_text_start(char **buf, size_t *len, rbx_error *err);
int rbx_text_write_file(int dirfd, const char *name, FILE *f, char **buf, size_t *len,
                        rbx_error *err);

/* C and C++ test code: the key prelude goes first in the translation unit
 * (before the code: it takes the secret before any of the code's
 * constructors run); then rbx_ctests_write writes the tests (named file_name
 * in messages) and a main that runs each top-level `void test_*(void)`
 * function in its own process, or the tests' own main as the one test "main"
 * when there are none, and writes one signed result line per test. Returns
 * how many test functions it found. The program links with -lsodium. */
void rbx_ctests_key_prelude(FILE *f);
size_t rbx_ctests_write(FILE *f, const char *tests, const char *file_name);

/* Whether `name` occurs in source as a whole word (a quick check for a missing function). */
bool rbx_source_mentions(const char *source, const char *name);
/* Whether the source has `keyword name` ("class Solution", "func main"), as words. */
bool rbx_source_declares(const char *source, const char *keyword, const char *name);

#endif
