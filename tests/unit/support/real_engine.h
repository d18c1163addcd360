/* For unit tests that drive the real engine and sandbox: whether a box can run
 * on this machine at all (so such a test skips with a reason instead of
 * failing: not root, no user namespaces, RUNBOX_SKIP_SANDBOX_TESTS set), and
 * an engine on the source tree's languages with a private state dir. */
#ifndef RBX_TESTS_REAL_ENGINE_H
#define RBX_TESTS_REAL_ENGINE_H

#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"

bool rbx_test_sandbox_usable(char *reason, size_t reasonsz);

/* Open an engine on a fresh state dir; one at a time (Check fixtures). */
rbx_engine *rbx_test_engine_open(void);
/* The open engine's state dir. */
const char *rbx_test_engine_state_dir(void);
/* Close it, asserting that no run dir was left behind, and remove the state dir. */
void rbx_test_engine_close(rbx_engine *eng);

/* The engine of the running test: open while a test of a case prepared by
 * rbx_test_engine_tcase runs, NULL otherwise. */
extern rbx_engine *rbx_test_eng;

/* Prepare tc for tests that drive the real engine: when a box can run here,
 * add the fixture that opens rbx_test_eng before each test and closes it
 * after, and return true; else add one test that reports the skip and its
 * reason (what: the suite's name in that line) and return false, so the
 * caller adds no other test to tc. */
bool rbx_test_engine_tcase(TCase *tc, const char *what);

/* Parse body (the reference is taken) and run it on rbx_test_eng as POST
 * /execute or /validate would; the answer JSON. Aborts the test when the
 * request is refused or the engine fails. */
json_object *rbx_test_execute(json_object *body);
json_object *rbx_test_validate(json_object *body);

#endif
