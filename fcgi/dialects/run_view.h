/* One finished run as the dialect writers read it: bytes as the program
 * wrote them, times, the verdict's name. It is filled from the engine's typed
 * report (engine/report.h) whenever the report holds the run: plain runs
 * today, graded ones once grading fills the report. Until then a graded run,
 * and a job's stored result, are read from the native answer, in this one
 * place. */
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
    json_object *results; /* graded, from the native answer: its results array */
    bool has_all_passed, all_passed;
    rbx_view_text error_details;
    const char *language, *version;
    char *owned[RBX_VIEW_MAX_OWNED]; /* decoded texts */
    size_t n_owned;
} rbx_run_view;

/* From the report when it holds the run, else from the native answer (whose
 * texts are base64 when `base64`). The view borrows from both. */
int rbx_run_view_of(const rbx_report *rep, json_object *native, bool base64, rbx_run_view *v);
/* From a native answer alone (a job's stored result). */
int rbx_run_view_of_native(json_object *native, bool base64, rbx_run_view *v);
void rbx_run_view_free(rbx_run_view *v);

/* The signal's number ("SIGSEGV" -> 11), 0 for NULL or unknown. */
int rbx_signal_number(const char *name);

#endif
