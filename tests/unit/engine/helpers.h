/* Shared by the engine's unit tests: the source tree's language definitions
 * and the JSON fixtures beside the tests. */
#ifndef RBX_TEST_ENGINE_HELPERS_H
#define RBX_TEST_ENGINE_HELPERS_H

#include <check.h>
#include <json-c/json.h>
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

/* A JSON fixture beside the unit tests (path under tests/unit/); aborts when
 * it does not parse. The caller keeps it for the test binary's life. */
static inline json_object *load_fixture(const char *path)
{
    char full[1024];
    snprintf(full, sizeof(full), "%s/tests/unit/%s", srcdir(), path);
    json_object *o = json_object_from_file(full);
    if (!o)
        ck_abort_msg("cannot read fixture %s: %s", full, json_util_get_last_err());
    return o;
}

#endif
