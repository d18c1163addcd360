/* runbox's own answer shapes (DESIGN.md section 3), written from typed
 * records: the /execute answer from an rbx_report, the /validate answer from
 * the check step. The only place the native run JSON is built: POST /execute,
 * the worker's job result, the history record and GET /tasks all carry what
 * rbx_native_execute wrote.
 *
 * Output bytes become JSON strings here, once: UTF-8 repaired, or base64 when
 * the request asked for base64_encoded. Seconds are printed with millisecond
 * precision ("0.021"). */
#ifndef RBX_ENGINE_NATIVE_H
#define RBX_ENGINE_NATIVE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/run_record.h"
#include "engine/language.h"
#include "engine/report.h"

/* The /execute answer. base64: outputs (and messages built from them) in
 * base64. NULL on ENOMEM. */
json_object *rbx_native_execute(const rbx_report *rep, bool base64);

/* The facts the store keeps of the answer rbx_native_execute writes for rep
 * (the same numbers); request_id is the caller's to set. */
void rbx_native_record(const rbx_report *rep, rbx_run_record *out);

/* /validate: {valid, status, diagnostics, output, language}. check is the
 * syntax check or compile step. */
json_object *rbx_native_validate(const rbx_language *lang, const char *version,
                                 const rbx_run_result *check, bool base64);

/* A JSON string of bytes: UTF-8 repaired, or base64 when `base64` is set
 * (buf NULL: ""). */
json_object *rbx_native_text(const char *buf, size_t len, bool base64);

/* A graded case's values as the native answer shows them (the dialects'
 * writers show the same): its input (stdin text, or a call's argument
 * list), its expected output and its actual output (stdout text, or a call's
 * returned value). NULL: null. */
json_object *rbx_native_case_input(const rbx_report *rep, const rbx_case_report *c, bool base64);
json_object *rbx_native_case_expected(const rbx_report *rep, const rbx_case_report *c, bool base64);
json_object *rbx_native_case_actual(const rbx_case_report *c, bool base64);

/* What a graded answer's "output" and "error" show: the tests' run for test
 * code (not Go's, whose stdout is test2json's events, not the program's),
 * none for cases; the compile message or grading's own note wins over
 * stderr. NULL: null. */
void rbx_native_graded_streams(const rbx_report *rep, const rbx_bytes **out, const rbx_bytes **err);

/* Milliseconds as a JSON number of seconds printed with three decimals. */
json_object *rbx_native_seconds(uint64_t ms);

/* {"id": ..., "version": ...}; version NULL or "": null. */
json_object *rbx_native_language_ref(const char *id, const char *version);

#endif
