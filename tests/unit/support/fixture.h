/* Files beside the unit tests: the source tree (RUNBOX_SRCDIR, set by the
 * test harness) and JSON fixtures under tests/unit/, so that request bodies
 * are kept as a client sends them rather than as escaped C strings. */
#ifndef RBX_TESTS_FIXTURE_H
#define RBX_TESTS_FIXTURE_H

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

static inline const char *srcdir(void)
{
    const char *d = getenv("RUNBOX_SRCDIR");
    return d ? d : ".";
}

/* The JSON fixture at path (under tests/unit/); aborts the test when it does
 * not parse. The caller keeps it for the test binary's life. */
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
