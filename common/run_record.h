/* One answered run as the store keeps it, typed: what the history's columns
 * hold (filled by the answer writer from the engine's report, so the store
 * never reads an answer back) and what the request said about the run. The
 * answer itself travels beside these as the JSON text its writer produced,
 * kept by the store as an opaque blob.
 *
 * Plain data of fixed size: the worker's run child hands its record to the
 * worker over a pipe as it is. */
#ifndef RBX_COMMON_RUN_RECORD_H
#define RBX_COMMON_RUN_RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* The facts of the run: the same numbers its answer shows. */
typedef struct rbx_run_record {
    char id[64];               /* the run's id (the answer's "id") */
    char request_id[40];       /* the HTTP request that asked for it; "" when none */
    char language[64];         /* the canonical language id */
    char language_version[64]; /* the toolchain's version; "" when none */
    char status[32];           /* the verdict's name */
    bool has_exit_code;        /* false: the program did not exit (or graded) */
    int exit_code;
    int64_t cpu_time_ms, wall_time_ms, memory_kb;
} rbx_run_record;

/* What the request said about the run, as submitted (borrowed strings; NULL
 * when the request had none). files, args and limits are JSON text. */
typedef struct rbx_run_input {
    const char *language; /* as given (an alias stays an alias) */
    bool has_project_id;
    int64_t project_id;
    const char *session_id;
    const char *code;
    const char *stdin_text;
    const char *files_json;
    const char *args_json;
    const char *limits_json;
    bool base64_encoded;
    bool save_history;
} rbx_run_input;

#endif
