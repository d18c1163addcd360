#include "tests/unit/support/sandbox_usable.h"

#include <stdio.h>
#include <stdlib.h>

#include "sandbox/sandbox.h"

bool rbx_test_sandbox_usable(char *reason, size_t reasonsz)
{
    rbx_sandbox_caps caps;
    rbx_error err;
    if (getenv("RUNBOX_SKIP_SANDBOX_TESTS")) {
        snprintf(reason, reasonsz, "RUNBOX_SKIP_SANDBOX_TESTS is set");
        return false;
    }
    if (rbx_sandbox_init(NULL, &err) != 0 || rbx_sandbox_probe(&caps, &err) != 0) {
        snprintf(reason, reasonsz, "sandbox unavailable: %s", err.message);
        return false;
    }
    const char *argv[] = {"/bin/true", NULL};
    rbx_sandbox_config cfg = {.argv = argv};
    rbx_sandbox_result res;
    if (rbx_sandbox_run(&cfg, &res, &err) != 0 || res.status != RBX_SANDBOX_OK) {
        snprintf(reason, reasonsz, "a box cannot run here: %s",
                 res.status == RBX_SANDBOX_INTERNAL_ERROR ? res.message : err.message);
        return false;
    }
    rbx_sandbox_result_free(&res);
    return true;
}
