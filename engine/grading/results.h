/* Internal to engine/grading: the case and test reports of one graded run,
 * and the tally that turns them into the overall verdict. */
#ifndef RBX_GRADING_RESULTS_H
#define RBX_GRADING_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/grading/harness.h"
#include "engine/grading/spec.h"
#include "engine/report.h"

typedef struct rbx_grading_tally {
    rbx_verdict worst; /* the worst verdict seen (enum order; not_run weighs as time_limit) */
    size_t passed, failed, cut;
    uint64_t cpu_ms, wall_ms, memory_kb;
} rbx_grading_tally;

/* One I/O case from its run (taken: *r is left empty). -1 on ENOMEM. */
int rbx_case_io(rbx_report *rep, size_t index, const rbx_test_case *tc, rbx_run_result *r);
/* One call from its run and the value in the work dir's result file. */
int rbx_case_call(rbx_report *rep, size_t index, const rbx_test_case *tc, rbx_run_result *r,
                  int workdir_fd, const char *function_name);
/* A case left out because the total time ran out: not_run. */
int rbx_case_not_run(rbx_report *rep, size_t index, rbx_case_kind kind);

/* Test code: one report per test, from the result file, the exit status or
 * go test2json's events, plus "(run)" for a run that died. key: the secret
 * signed lines carry (NULL: lines are not signed). */
int rbx_tests_results(rbx_report *rep, rbx_results_kind kind, const rbx_run_result *r,
                      int workdir_fd, const char *key);

/* Count a case (may be NULL) and a run's measurements (may be NULL). */
void rbx_tally_add(rbx_grading_tally *t, const rbx_case_report *c, const rbx_run_result *r);
/* verdict, all_passed, the sums and the note (cases cut, no tests) into rep. */
int rbx_tally_finish(const rbx_grading_tally *t, rbx_report *rep, uint64_t budget_ms);

#endif
