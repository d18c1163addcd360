/* The compile cache: a compile step's result and artifacts, keyed by a
 * SHA-256 of everything that decides them, so the same code sent again
 * (by anyone) skips its compile.
 *
 * The key covers the language id, the toolchain's version, the compiler's
 * file (device, inode, size, times), the full compile command and
 * environment, and every file in the run dir before the step
 * (names, permission bits and bytes: the request's files, the language's
 * support files, a grading harness and its imports). An entry holds the
 * compiler's exit status and output and every file the step created or
 * changed. Compile errors are cached (the same broken code is sent again
 * often); a step that hit a limit, or was killed, is not: its result says
 * more about the machine's load than about the code.
 *
 * Entries are single files under <state_dir>/compile-cache, one per key,
 * written to a temporary name and renamed into place, so a reader sees a
 * whole entry or none; a trailing XXH3 checksum catches one cut by a
 * crash. Every pool worker and the async worker share the directory; two
 * filling the same key at once both rename a complete file onto the name.
 * Hits refresh the entry's mtime; past compile_cache_mb the least recently
 * used entries are removed. Hit and miss counters live in a small shared
 * file mapped by every process, for GET /health.
 *
 * The cache is an optimisation: its own failures never fail a run, they
 * make the step a miss (and are counted). */
#ifndef RBX_ENGINE_COMPILE_CACHE_H
#define RBX_ENGINE_COMPILE_CACHE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/cache_tree.h"
#include "sandbox/sandbox.h"

typedef struct rbx_compile_cache rbx_compile_cache;

/* Open (creating) the cache in dir, mode 0700, capped at cap_bytes.
 * cap_bytes 0: *out is NULL and every call below is a no-op miss. */
int rbx_compile_cache_open(const char *dir, uint64_t cap_bytes, rbx_compile_cache **out,
                           rbx_error *err);
void rbx_compile_cache_close(rbx_compile_cache *c);

/* What decides a compile step's output, besides the run dir's files. */
typedef struct rbx_compile_key_input {
    const char *language;
    const char *version;     /* the toolchain's version */
    const char *const *argv; /* the expanded compile command */
    const char *const *envp; /* its environment */
} rbx_compile_key_input;

/* One compile step between its fetch and its store. */
typedef struct rbx_compile_step {
    bool usable;           /* the key could be computed: a miss may be stored */
    unsigned char key[32]; /* SHA-256 */
    rbx_tree before;       /* the run dir before the step (hashes only) */
} rbx_compile_step;

/* Look the step up. 1: a hit, the artifacts are written read-only into the
 * run dir and *res holds the cached status, exit code and output with zero
 * times; 0: a miss (step is ready for rbx_compile_cache_store). Never -1. */
int rbx_compile_cache_fetch(rbx_compile_cache *c, const rbx_compile_key_input *in, int workdir_fd,
                            rbx_compile_step *step, rbx_sandbox_result *res);

/* After a missed step ran: store its result and what it wrote, unless it
 * hit a limit or the run dir cannot be cached (too large, odd files). */
void rbx_compile_cache_store(rbx_compile_cache *c, rbx_compile_step *step, int workdir_fd,
                             const rbx_sandbox_result *res);

void rbx_compile_step_free(rbx_compile_step *step);

/* The key as 64 hex digits (out: at least 65 bytes). */
void rbx_compile_key_hex(const unsigned char key[32], char *out);

/* {"enabled", "hits", "misses", "stored", "evicted", "errors", "cap_mb"} for GET /health. */
json_object *rbx_compile_cache_json(const rbx_compile_cache *c);

/* Counters, for tests and the benchmark. */
typedef struct rbx_compile_cache_stats {
    uint64_t hits, misses, stored, evicted, errors;
} rbx_compile_cache_stats;
void rbx_compile_cache_stats_get(const rbx_compile_cache *c, rbx_compile_cache_stats *out);

#endif
