/* One finished run as the dialect writers read it: a typed record, filled in
 * one place from the native response. (The engine's typed run report is to
 * replace this reading; the writers then keep their code and only the
 * filling changes.) Strings are borrowed from the response. */
#ifndef RBX_FCGI_DIALECTS_RUN_VIEW_H
#define RBX_FCGI_DIALECTS_RUN_VIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rbx_run_view {
    const char *id;
    const char *status;         /* success, compile_error, runtime_error, time_limit, ... */
    const char *stdout_text;    /* NULL when none */
    const char *stderr_text;    /* the program's stderr (NULL after a compile error) */
    const char *compile_output; /* NULL when there was no compile step or it said nothing */
    const char *compile_status; /* NULL when there was no compile step */
    bool compiled;              /* a compile (or syntax-check) step ran */
    bool has_exit_code;
    int exit_code;
    const char *signal; /* "SIGSEGV", NULL */
    int64_t cpu_time_ms, wall_time_ms, memory_kb, compile_time_ms;
    bool truncated;
    json_object *results; /* the per-case results array, NULL without grading */
    bool has_all_passed, all_passed;
    const char *error_details;
    const char *language, *version;
} rbx_run_view;

void rbx_run_view_of(json_object *native, rbx_run_view *v);

/* The signal's number ("SIGSEGV" -> 11), 0 for NULL or unknown. */
int rbx_signal_number(const char *name);

#endif
