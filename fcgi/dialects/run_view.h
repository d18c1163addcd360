/* One finished run as the dialect writers read it: bytes as the program
 * wrote them, times, the verdict's name, one typed record per graded case.
 * Each dialect is a writer over this view. A run the pool just carried out
 * fills it from the engine's typed report (engine/report.h), plain or
 * graded; only a run known by its stored native answer (a job's result, a
 * history record) is read back from that JSON, in this one place, to the
 * same view. */
#ifndef RBX_FCGI_DIALECTS_RUN_VIEW_H
#define RBX_FCGI_DIALECTS_RUN_VIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/report.h"

typedef struct rbx_view_text {
    const char *data; /* NULL: none */
    size_t len;
} rbx_view_text;

#define RBX_VIEW_MAX_OWNED 8

/* One graded case or test, as the native answer shows it. */
typedef struct rbx_view_case {
    json_object *input;    /* stdin text or a call's arguments; a reference the view holds */
    json_object *expected; /* expected output (held); NULL: null */
    json_object *actual;   /* stdout text or the returned value (held); NULL: null */
    bool passed;
    bool measured; /* time_ms and memory_kb are known (a test of test code has neither) */
    int64_t time_ms, memory_kb;
} rbx_view_case;

typedef struct rbx_run_view {
    const char *id;
    const char *status;            /* success, compile_error, runtime_error, time_limit, ... */
    rbx_view_text out, err;        /* the program's stdout and stderr */
    rbx_view_text compile_message; /* a failed compile step's message */
    rbx_view_text compile_out, compile_err;
    bool compiled; /* a compile (or syntax-check) step ran */
    bool has_exit_code;
    int exit_code;
    int signal; /* 0: none */
    int64_t cpu_time_ms, wall_time_ms, memory_kb, compile_time_ms;
    rbx_view_case *cases; /* graded: the cases or tests in order */
    size_t n_cases;
    bool has_all_passed, all_passed;
    rbx_view_text error_details;
    const char *language, *version;
    char *owned[RBX_VIEW_MAX_OWNED]; /* decoded texts */
    size_t n_owned;
} rbx_run_view;

/* From the report of a run just carried out, plain or graded (its cases'
 * JSON values in base64 when `base64`). The view borrows from the report.
 * -1 on ENOMEM. */
int rbx_run_view_of(const rbx_report *rep, bool base64, rbx_run_view *v);
/* From a native answer alone (a job's stored result, a history record),
 * whose texts are base64 when `base64`. The view borrows from it. */
int rbx_run_view_of_native(json_object *native, bool base64, rbx_run_view *v);
void rbx_run_view_free(rbx_run_view *v);

/* The signal's number ("SIGSEGV" -> 11), 0 for NULL or unknown. */
int rbx_signal_number(const char *name);

#endif
