/* For unit tests that drive the real engine and sandbox: whether a box can run
 * on this machine at all (so such a test skips with a reason instead of
 * failing: not root, no user namespaces, RUNBOX_SKIP_SANDBOX_TESTS set), and
 * an engine on the source tree's languages with a private state dir. */
#ifndef RBX_TESTS_REAL_ENGINE_H
#define RBX_TESTS_REAL_ENGINE_H

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

#endif
