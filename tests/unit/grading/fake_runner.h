/* A stand-in for the engine's sandbox runner: runs the command on the host
 * (fork/exec in the work dir, no isolation) so the unit tests drive the real
 * compilers and interpreters through the grading driver. */
#ifndef RBX_TEST_FAKE_RUNNER_H
#define RBX_TEST_FAKE_RUNNER_H

#include "engine/grading/grading.h"

typedef struct fake_runner {
    int workdir_fd;
    uint64_t compile_wall_ms; /* 0 = 120 s */
    uint64_t run_wall_ms;     /* 0 = 10 s */
    unsigned compiles, runs;  /* how often each phase was asked for */
    unsigned kept_changes;    /* runs that asked for their writes in /box back */
    const rbx_language *lang; /* whose memory_errors judge the runs; NULL: none */
} fake_runner;

int fake_run(void *ctx, rbx_grading_phase phase, const char *const *argv, const char *stdin_data,
             size_t stdin_len, uint64_t wall_cap_ms, bool keep_changes, rbx_run_result *result,
             rbx_error *err);

#endif
