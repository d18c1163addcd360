/* The /execute and /validate response JSON of DESIGN.md section 3, built from
 * what the sandbox reported. */
#ifndef RBX_ENGINE_RESPONSE_H
#define RBX_ENGINE_RESPONSE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "engine/language.h"
#include "engine/request.h"
#include "sandbox/sandbox.h"

/* API status of a finished run: ok -> "success", the limit verdicts by name,
 * and a runtime error whose stderr shows the runtime ran out of memory (inside
 * the limit) -> "memory_limit". */
const char *rbx_status_of_run(const rbx_language *lang, const rbx_sandbox_result *res);

/* Whether a failed run of an interpreted language was really a compile
 * failure (e.g. Python's SyntaxError before any code ran). */
bool rbx_run_is_compile_error(const rbx_language *lang, const rbx_sandbox_result *res);

/* "SIGSEGV"-style name, NULL for 0. */
const char *rbx_signal_name(int sig, char *buf, size_t bufsz);

/* A JSON string of bytes: UTF-8 repaired, or base64 when `base64` is set. */
json_object *rbx_output_json(const char *buf, size_t len, bool base64);

/* What one /execute produced, for rbx_response_execute. */
typedef struct rbx_outcome {
    const char *run_id;
    const char *version;
    const rbx_sandbox_result *compile; /* NULL when there was no compile step */
    bool compile_failed;               /* compile (or a run that was really a compile) failed */
    bool compile_cached;               /* the compile cache answered the compile step */
    const rbx_sandbox_result *run;     /* NULL when compilation failed */
} rbx_outcome;

json_object *rbx_response_execute(const rbx_request *req, const rbx_outcome *o);

/* /validate: {valid, status, diagnostics, output, language}. */
json_object *rbx_response_validate(const rbx_request *req, const char *version,
                                   const rbx_sandbox_result *check);

/* {"id": ..., "version": ...} */
json_object *rbx_language_ref_json(const rbx_language *lang, const char *version);

#endif
