/* Shared by the engine's unit tests: the source tree's language definitions
 * and the JSON fixtures beside the tests. */
#ifndef RBX_TEST_ENGINE_HELPERS_H
#define RBX_TEST_ENGINE_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/language.h"
#include "tests/unit/support/fixture.h"

static inline void load_languages(rbx_language_set *set)
{
    char dir[1024];
    rbx_error err;
    snprintf(dir, sizeof(dir), "%s/languages", srcdir());
    if (rbx_languages_load_dir(dir, set, &err) != 0)
        ck_abort_msg("cannot load languages: %s", err.message);
}

#endif
