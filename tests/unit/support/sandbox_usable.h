/* For unit tests that drive the real sandbox: whether a box can run on this
 * machine at all, so that such a test skips with a reason (not roots, no user
 * namespaces, RUNBOX_SKIP_SANDBOX_TESTS set) instead of failing. */
#ifndef RBX_TESTS_SANDBOX_USABLE_H
#define RBX_TESTS_SANDBOX_USABLE_H

#include <stdbool.h>
#include <stddef.h>

bool rbx_test_sandbox_usable(char *reason, size_t reasonsz);

#endif
