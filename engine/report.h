/* The report of one /execute request: what the engine and grading found,
 * typed, before any answer shape is chosen. The engine fills it; answer
 * writers (engine/native.h for runbox's own JSON, the dialects' writers for
 * other shapes) turn it into JSON; nothing below the writers builds run JSON.
 *
 * Output bytes are kept as the program wrote them (NUL bytes and invalid
 * UTF-8 included): a writer repairs or encodes them once, on the way out.
 * Times are milliseconds, memory kilobytes. */
#ifndef RBX_ENGINE_REPORT_H
#define RBX_ENGINE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/language.h"
#include "sandbox/sandbox.h"

/* Verdicts from best to worst for grading's tally (the overall status of a
 * graded request is the worst case's); compile_error stands alone. */
typedef enum rbx_verdict {
    RBX_VERDICT_SUCCESS,
    RBX_VERDICT_WRONG_ANSWER,
    RBX_VERDICT_RUNTIME_ERROR,
    RBX_VERDICT_OUTPUT_LIMIT,
    RBX_VERDICT_MEMORY_LIMIT,
    RBX_VERDICT_TIME_LIMIT,
    RBX_VERDICT_INTERNAL_ERROR,
    RBX_VERDICT_CANCELLED, /* the client went away and the run was stopped for it */
    RBX_VERDICT_NOT_RUN,   /* a case cut by the total grading time: weighs as time_limit */
    RBX_VERDICT_COMPILE_ERROR,
} rbx_verdict;

/* The API's name: "success", "wrong_answer", ..., "compile_error". */
const char *rbx_verdict_name(rbx_verdict v);
/* The verdict of a name; -1 when unknown. */
int rbx_verdict_parse(const char *name, rbx_verdict *out);

/* Bytes a report owns: NUL-terminated for convenience, may hold NULs (use
 * len). data NULL means "none" (a writer's null), distinct from "" (empty). */
typedef struct rbx_bytes {
    char *data;
    size_t len;
} rbx_bytes;

/* Set b to a copy of buf[0..len) (buf NULL: none). -1 on ENOMEM. */
int rbx_bytes_set(rbx_bytes *b, const char *buf, size_t len);
void rbx_bytes_free(rbx_bytes *b);

/* One program run in a box. */
typedef struct rbx_run_result {
    bool ran; /* false: no run happened (compilation failed, a case not run) */
    rbx_verdict verdict;
    rbx_bytes out, err; /* stdout and stderr, raw */
    /* The sandbox caps stdout and stderr together, so today both flags are
     * set when the cap was hit; a writer with one flag ORs them. */
    bool out_truncated, err_truncated;
    uint64_t cpu_ms, wall_ms, memory_kb; /* memory: the peak */
    int exit_code;                       /* -1 when the program did not exit */
    int signal;                          /* terminating signal, 0 when none */
    char message[256];                   /* the sandbox's reason for a limit or failure; "" */
} rbx_run_result;

/* The one verdict of a finished run, driven by the language definition: the
 * sandbox's status, and a runtime error whose stderr holds one of the
 * language's memory_errors (the runtime ran out of memory inside the limit)
 * is memory_limit. Plain runs, every grading case and the worker use it. */
rbx_verdict rbx_verdict_of_run(const rbx_language *lang, const rbx_sandbox_result *res);

/* Move a sandbox result into r (its buffers change hands; res is left
 * empty), with the verdict of rbx_verdict_of_run. */
void rbx_run_result_take(rbx_run_result *r, const rbx_language *lang, rbx_sandbox_result *res);
void rbx_run_result_free(rbx_run_result *r);

/* The compile step (or an interpreted language's syntax check). */
typedef struct rbx_compile_report {
    bool ran;              /* a compile step ran (false for an interpreted language's plain run) */
    bool failed;           /* the answer is compile_error */
    bool cached;           /* the compile cache answered instead of a compiler */
    uint64_t time_ms;      /* wall time of the compile steps together */
    rbx_bytes message;     /* on failure: the compiler's message as the answer shows it */
    rbx_run_result result; /* the last compile step as the sandbox reported it */
} rbx_compile_report;

/* The text an answer shows for a failed compile step: the compiler's stderr,
 * or its stdout when stderr is empty (tsc and javac print diagnostics there),
 * followed by why the sandbox stopped it when it hit a limit. The only place
 * this text is written. -1 on ENOMEM. */
int rbx_compile_message(const rbx_run_result *step, rbx_bytes *out);

typedef enum rbx_case_kind {
    RBX_CASE_IO,   /* an I/O case: stdin in, stdout compared */
    RBX_CASE_CALL, /* a function call: arguments in, the returned value compared */
    RBX_CASE_TEST, /* one test of submitted test code */
} rbx_case_kind;

/* One graded case or test. */
typedef struct rbx_case_report {
    rbx_case_kind kind;
    size_t index; /* IO and CALL: the case's index in the request's test_cases */
    rbx_verdict verdict;
    bool passed;
    rbx_run_result run; /* IO and CALL: the case's run (ran false when not run) */
    char *value_json;   /* CALL: the returned value as JSON text; NULL when none */
    char *name;         /* TEST: the test's name */
    rbx_bytes message; /* why it failed ("error" of a case, "message" of a test); data NULL: none */
} rbx_case_report;

typedef enum rbx_report_mode {
    RBX_REPORT_PLAIN, /* one run */
    RBX_REPORT_IO,    /* I/O cases */
    RBX_REPORT_CALLS, /* function calls */
    RBX_REPORT_TESTS, /* test code */
} rbx_report_mode;

struct rbx_grading_spec;

typedef struct rbx_report {
    char run_id[64];
    const rbx_language *lang; /* borrowed from the engine; NULL when the request never parsed */
    char language[64];        /* the canonical language id (the request's, when lang is NULL) */
    char version[64];         /* the toolchain's version, "unknown" when unread, "" when none */
    rbx_report_mode mode;
    const struct rbx_grading_spec *spec; /* graded: the request's spec (borrowed) */
    rbx_verdict verdict;                 /* the answer's status */
    rbx_compile_report compile;
    /* Plain: the run. Test code: the one run of all the tests. Cases: unused. */
    rbx_run_result run;
    /* Graded. */
    rbx_case_report *cases;
    size_t n_cases;
    bool all_passed;
    uint64_t cpu_ms, wall_ms, memory_kb; /* graded: sums of the cases' times, peak memory */
    rbx_bytes note; /* graded: what the answer's "error" says about grading itself
                     * (cases cut by the total time, no tests found); data NULL: none */
    /* The service could not carry out the run (the worker's answer for a job
     * that failed): the message; the answer is internal_error with no compile
     * step. data NULL: the run happened. */
    rbx_bytes failure;
    /* What the report borrows from (the request that spec points into), kept
     * alive as long as the report so a writer may read the spec after the
     * run: rbx_report_free calls release(owner). NULL: nothing. */
    void (*release)(void *owner);
    void *owner;
} rbx_report;

/* An empty report for run_id (the engine fills the rest); version NULL: none. */
void rbx_report_init(rbx_report *rep, const char *run_id, const rbx_language *lang,
                     const char *version);
/* The report of a run the service could not carry out: internal_error with
 * message. language: the request's language id as given (may be NULL). */
int rbx_report_failure(rbx_report *rep, const char *run_id, const char *language,
                       const char *message);
/* Append an empty case; NULL on ENOMEM. The pointer is valid until the next append. */
rbx_case_report *rbx_report_add_case(rbx_report *rep, rbx_case_kind kind);
void rbx_report_free(rbx_report *rep);

/* "SIGSEGV"-style name into buf, NULL for 0. */
const char *rbx_signal_name(int sig, char *buf, size_t bufsz);

#endif
