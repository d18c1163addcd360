/* Internal to engine/grading: per-case and per-test result objects, and the
 * tally that turns them into the overall status. */
#ifndef RBX_GRADING_RESULTS_H
#define RBX_GRADING_RESULTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/grading/harness.h"
#include "sandbox/sandbox.h"

typedef struct rbx_grading_tally {
    int worst; /* severity of the worst status seen (see results.c) */
    size_t passed, failed, cut;
    uint64_t cpu_ms, wall_ms, memory_kb;
} rbx_grading_tally;

/* Program output as a JSON string holding its bytes as they are (NUL bytes
 * and invalid UTF-8 included; buf may be NULL). Grading compares raw bytes;
 * the engine repairs the text, or encodes it in base64, once, on the way out
 * (engine/text.h). */
json_object *rbx_grading_bytes_json(const char *buf, size_t len);

/* One I/O case: {stdin, expected_output, actual_output, passed, status, time_ms, memory_kb, error}
 */
json_object *rbx_case_io_result(json_object *test_case, const rbx_sandbox_result *r);
/* One call: {input, expected_output, actual_output, passed, status, time_ms, memory_kb, error,
 * stdout}, the value read from the work dir's result file. */
json_object *rbx_case_call_result(json_object *test_case, const rbx_sandbox_result *r,
                                  int workdir_fd, const char *function_name);
/* A case left out because the total time ran out: status "not_run". */
json_object *rbx_case_not_run(json_object *test_case, bool call);

/* Test code: [{name, passed, status, message}], from the result file, the exit
 * status or go test2json's events, plus an entry for a run that died. */
/* key: the secret signed lines carry (NULL: lines are not signed). */
json_object *rbx_tests_results(rbx_results_kind kind, const rbx_sandbox_result *r, int workdir_fd,
                               const char *key);

/* Count a result (may be NULL) and a run's measurements (may be NULL). */
void rbx_tally_add(rbx_grading_tally *t, json_object *result, const rbx_sandbox_result *r);
/* status, all_passed, cpu_time_ms, wall_time_ms, memory_kb, execution_time (and
 * error when cases were cut) into out. */
void rbx_tally_finish(const rbx_grading_tally *t, json_object *out, uint64_t budget_ms);

#endif
