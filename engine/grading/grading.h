/* Grading: run a submission against test cases and report one result per case
 * (DESIGN.md section 3, "Test cases"). Three modes, chosen by the request:
 *
 *   I/O cases       test_cases: [{"stdin", "expected_output"}]
 *   function calls  function_name + test_cases: [{"input": [args...], "expected_output"}]
 *   test code       tests: "<test source in the submission's language>"
 *
 * The program is compiled once; each case then runs in its own fresh box. The
 * sandbox stays behind a callback (rbx_grading_runner) that the engine
 * implements, so this layer knows nothing of boxes, limits or language files.
 *
 * Grading fills the typed report of engine/report.h; the answer writers turn
 * it into JSON.
 *
 * Function calls go through a generated harness (harness_<language>.c) that
 * reads the case's arguments as JSON on stdin, calls the function and writes
 * {"value": <return value>} to the file RBX_GRADING_RESULT_FILE in the work
 * dir, never to stdout: the user's own prints stay the case's "stdout". Test
 * code writes one JSON line per test to the same file (Go uses test2json). */
#ifndef RBX_GRADING_H
#define RBX_GRADING_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/grading/spec.h"
#include "engine/report.h"

/* Where harnesses put their answer, relative to the work dir (/box). */
#define RBX_GRADING_RESULT_FILE ".rbx_result"

/* Exit status of a harness that found no callable function of that name: the
 * request becomes a compile_error naming the function. */
#define RBX_GRADING_EXIT_UNCALLABLE 97

/* The C++ function harness's fixed part (its includes, its JSON reader and
 * writer): a header of its own (RBX_GRADING_CPP_HEADER), the same every
 * time, so it is precompiled once (engine/prebuilt.h). */
#define RBX_GRADING_CPP_HEADER "rbx_json.h"
extern const char rbx_grading_cpp_header[];
/* The bodies of its reader and writer, compiled once into an object. */
#define RBX_GRADING_CPP_IMPL "rbx_json.cpp"
#define RBX_GRADING_CPP_OBJECT "rbx_json.o"
extern const char rbx_grading_cpp_impl[];

/* The Java runners (RbxHarness.java for function calls, RbxTestRunner.java
 * for test code), the same for every request: their classes are prebuilt. */
extern const char rbx_grading_java_harness[];
extern const char rbx_grading_java_tests[];

/* Request fields this layer owns; the engine's parser may skip them. */
bool rbx_grading_requested(json_object *body); /* test_cases, function_name or tests present */

/* Check the grading fields of an /execute body: test_cases a non-empty list of
 * objects (at most max_cases: 422), each case's stdin/input/expected_output of
 * the right type, function_name a valid identifier that comes with cases,
 * tests a string that comes alone (tests with test_cases or function_name is
 * a 400 on "tests"). Returns 0, or -1 with err holding a 400/413/422 error
 * with the offending field ("test_cases[3].input"). This is the only check:
 * the engine's request parser calls it, and rbx_grading_execute trusts it. */
int rbx_grading_validate(json_object *body, int max_cases, rbx_error *err);

/* Outputs compare as JSON values where both sides parse as JSON (numbers with
 * a 1e-9 relative tolerance, arrays and objects structurally), otherwise as
 * text ignoring trailing whitespace on each line and trailing blank lines.
 * A JSON string whose content parses as JSON counts as that value, so "2", 2
 * and 2.0 are equal. */
bool rbx_grading_outputs_equal(json_object *expected, json_object *actual);
bool rbx_grading_text_equal(const char *expected, size_t expected_len, const char *actual,
                            size_t actual_len);

typedef enum rbx_grading_phase {
    RBX_GRADING_COMPILE, /* a compiler: the language's compile limits */
    RBX_GRADING_CHECK,   /* a step before the cases that runs the submission's code (an
                          * import check): the request's limits, its writes dropped */
    RBX_GRADING_RUN,     /* one case: the request's limits */
} rbx_grading_phase;

/* The engine's side: run argv in a fresh box whose /box is the job's work dir
 * (cwd /box), with stdin_data on stdin and the limits of the phase, with the
 * wall-time limit lowered to wall_cap_ms when that is non-zero and smaller.
 * keep_changes: what the run writes in /box must reach the work dir (a
 * compiled program, a harness's result file); when false only the output
 * matters (an I/O case), and every such run starts from the same work dir.
 * Return 0 with *result filled, its verdict the engine's one verdict function
 * (engine/report.h: rbx_verdict_of_run, driven by the language definition);
 * grading owns it then (rbx_run_result_free). -1 with err when no run could
 * happen. */
typedef struct rbx_grading_runner {
    int (*run)(void *ctx, rbx_grading_phase phase, const char *const *argv, const char *stdin_data,
               size_t stdin_len, uint64_t wall_cap_ms, bool keep_changes, rbx_run_result *result,
               rbx_error *err);
    void *ctx;
} rbx_grading_runner;

/* The language definition's command templates (languages/<id>.json, expanded
 * by engine/language.h's rbx_argv_expand), the same that plain runs use: a
 * harness compiles and runs with these, naming its own files as {sources},
 * {file} and {main}, and adds only its own arguments, so a flag changed in
 * the definition changes graded runs too. */
typedef struct rbx_grading_commands {
    const char *const *compile; /* NULL when the language is not compiled */
    const char *const *run;
    const char *const *check; /* /validate's syntax check */
    const char *dir;          /* {dir}: the work dir as the box sees it */
    bool prebuilt;            /* the language's prebuilt set is there: {prebuilt} expands */
} rbx_grading_commands;

typedef struct rbx_grading_job {
    const char *language; /* canonical id: c, cpp, python, javascript, typescript, java, go */
    const rbx_grading_spec *spec; /* the request's, parsed by rbx_grading_spec_parse */
    const char *code;             /* the entry file's source, decoded */
    int workdir_fd;               /* open directory that is /box; the engine created it and wrote
                                   * the code (source_file) and the request's `files` into it */
    /* For I/O cases: the language definition's commands, run as given.
     * compile_argv is NULL for interpreted languages. */
    const char *const *compile_argv;
    const char *const *run_argv;
    /* For function calls and test code: the names of the request's extra files
     * (compiled along with the code where the language needs that); may be NULL. */
    const char *const *extra_files;
    size_t n_extra_files;
    /* For function calls and test code: the definition's templates. */
    rbx_grading_commands definition;
} rbx_grading_job;

typedef struct rbx_grading_options {
    uint64_t total_wall_ms; /* all cases of one request together; 0 = 30000 */
} rbx_grading_options;

/* Grade one submission into rep (initialised by the caller with
 * rbx_report_init): its mode, compile step, one case report per case or test,
 * verdict, all_passed, the sums of times and the peak memory, and a note when
 * grading itself has something to say. A compile error, a missing function, a
 * wrong answer or a crash are all reports (0), not errors; -1 with err only
 * when the service failed (the runner could not run at all). */
int rbx_grading_execute(const rbx_grading_job *job, const rbx_grading_runner *runner,
                        const rbx_grading_options *opts, rbx_report *rep, rbx_error *err);

#endif
