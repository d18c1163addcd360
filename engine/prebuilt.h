/* Prebuilt toolchain parts: what every compile or run of a language would
 * otherwise redo, built once in a sandbox and then mounted read-only at
 * /prebuilt in the boxes that name it.
 *
 *   java  class-data sharing archives: javac.jsa (the compiler's classes,
 *         about 10 MB), java.jsa (what a short program loads beyond the
 *         JDK's default archive) and harness.jsa (the grading runners'
 *         Gson), used with -XX:SharedArchiveFile; and the grading runners'
 *         classes, so that a function test compiles only the code;
 *   cpp   a precompiled header (rbx_json.h.gch) of the C++ grading
 *         harness's fixed part (its includes, its JSON reader and writer),
 *         built with the definition's compile command, as the harness is:
 *         g++ uses a PCH only under the same flags, and silently (or with
 *         -Winvalid-pch, a warning) reads the header itself otherwise.
 *
 * They live in <state_dir>/prebuilt/<language>-<hash>, the hash covering
 * the toolchain's version and the recipe, so an upgrade builds them again.
 * A set is built in a fresh directory and renamed into place whole; until
 * it is there, a command argument naming {prebuilt} is left out (the JVM
 * then uses its default archive, g++ the header itself): the parts make
 * things faster, never different. The boxes' init mounts a set by its path:
 * a state dir closed to others (mode 0700) leaves them unused. runbox-fcgi builds what is missing
 * when it starts, in a process of its own, so nothing waits for it. */
#ifndef RBX_ENGINE_PREBUILT_H
#define RBX_ENGINE_PREBUILT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/error.h"
#include "engine/language.h"

/* Where a prebuilt set appears inside a box. */
#define RBX_PREBUILT_BOX_DIR "/prebuilt"

/* The host directory of lang's prebuilt set when it is built, else NULL
 * (no recipe, or not built yet). The result stays valid until the next
 * call for the same language in this process. */
const char *rbx_prebuilt_dir(const rbx_config *cfg, rbx_language *lang);

/* Build every missing set of the given languages, one after the other in
 * sandboxes with the compile limits. Serialised across processes by a lock
 * in the prebuilt dir. -1 with err when a set could not be built (the others
 * are still tried). */
int rbx_prebuilt_build(const rbx_config *cfg, rbx_language *const *langs, size_t n, rbx_error *err);

/* {"java": true, "cpp": false}: which languages' sets are ready, for /health. */
json_object *rbx_prebuilt_json(const rbx_config *cfg, rbx_language *const *langs, size_t n);

#endif
