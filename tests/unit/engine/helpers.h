/* Shared by the engine's unit tests: the source tree's language definitions. */
#ifndef RBX_TEST_ENGINE_HELPERS_H
#define RBX_TEST_ENGINE_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/language.h"

static inline const char *srcdir(void)
{
    const char *d = getenv("RUNBOX_SRCDIR");
    return d ? d : ".";
}

static inline void load_languages(rbx_language_set *set)
{
    char dir[1024];
    rbx_error err;
    snprintf(dir, sizeof(dir), "%s/languages", srcdir());
    if (rbx_languages_load_dir(dir, set, &err) != 0)
        ck_abort_msg("cannot load languages: %s", err.message);
}

#endif
