/* The engine: everything between a parsed HTTP body and the sandbox, shared by
 * runbox-fcgi and runbox-worker. It owns the language definitions (languages/),
 * request validation (types, sizes, limits against the server maxima), the per
 * run work dir, compile-then-run in the sandbox, grading, output repair, and
 * the response JSON of DESIGN.md section 3.
 *
 * JSON objects cross this boundary as json-c objects: the caller owns what it
 * receives (json_object_put when done). */
#ifndef RBX_ENGINE_H
#define RBX_ENGINE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "common/config.h"
#include "common/error.h"
#include "common/run_record.h"
#include "engine/report.h"

typedef struct rbx_engine rbx_engine;
typedef struct rbx_request rbx_request;

/* Load the language definitions from cfg->languages_dir and initialise the
 * sandbox. Installed toolchain versions are read once, lazily, and cached. */
int rbx_engine_open(const rbx_config *cfg, rbx_engine **out, rbx_error *err);
void rbx_engine_close(rbx_engine *eng);

/* At a service's start, before it forks what runs boxes: take the cgroup
 * (rbx_sandbox_cgroup_setup: on cgroup v2 this process moves into
 * <its cgroup>/supervisor). -1 with err when a delegated cgroup lacks a
 * controller. */
int rbx_engine_take_cgroup(rbx_error *err);

/* After answering: release this process's finished boxes (their namespace
 * teardown was left off the answer's path) and build the next one ahead. */
void rbx_engine_idle(rbx_engine *eng);
/* Stop runs when fd's peer hangs up (the FastCGI connection of the request
 * being answered; -1: none): a client that went away frees its sandbox. */
void rbx_engine_watch_client(rbx_engine *eng, int fd);
/* Release every box this process holds, for a process about to _exit. */
void rbx_engine_release_boxes(rbx_engine *eng);

/* Remove the run dirs of runs that are over (their process died: a SIGKILLed
 * worker leaves its run's dir, with the submission inside). Call at start-up
 * and after a child that may have run a program died. *removed may be NULL. */
int rbx_engine_sweep_run_dirs(const rbx_config *cfg, int *removed, rbx_error *err);

/* GET /languages: {"languages": [...]}; GET /languages/{id}: one, with an example (404 when
 * unknown). */
json_object *rbx_engine_languages_json(rbx_engine *eng);
int rbx_engine_language_json(rbx_engine *eng, const char *id_or_alias, json_object **out,
                             rbx_error *err);

/* Validate an /execute (or /validate, /execute/async) body. On error, err holds
 * the documented 400/413/422 error with the offending field. `for_async`
 * accepts callback_url. */
int rbx_request_parse(rbx_engine *eng, json_object *body, bool for_async, rbx_request **out,
                      rbx_error *err);
void rbx_request_free(rbx_request *req);

/* What the caller needs from a request without knowing its layout. */
json_object *rbx_request_body(const rbx_request *req);       /* the validated body (borrowed) */
const char *rbx_request_language_id(const rbx_request *req); /* canonical id, aliases resolved */
bool rbx_request_save_history(const rbx_request *req);
const char *rbx_request_callback_url(const rbx_request *req); /* NULL when none */
/* What the history keeps of a validated request body (the worker's job,
 * whose body the store kept, as well as a request here): borrowed from body. */
void rbx_run_input_of_body(json_object *body, rbx_run_input *out);

/* POST /execute as a typed report: compile if needed, run, grade when
 * asked. *report (free with rbx_report_free, before the request: it borrows
 * the request's grading spec) says what happened; answer writers turn it into
 * a dialect's JSON. 0 whenever the run happened; -1 with err for a failure of
 * the service (report then empty). */
int rbx_engine_run(rbx_engine *eng, const rbx_request *req, const char *run_id, rbx_report *report,
                   rbx_error *err);

/* POST /execute in the native shape: rbx_engine_run through the native
 * writer (engine/native.h). `run_id` becomes the
 * response's "id". Returns 0 with *response set whenever the run happened
 * (whatever the program did); -1 with err for a failure of the service. */
int rbx_engine_execute(rbx_engine *eng, const rbx_request *req, const char *run_id,
                       json_object **response, rbx_error *err);

/* The same, also handing the caller the typed report the answer was written
 * from (init'ed here; the caller frees it with rbx_report_free, before the
 * request), for the dialects' writers. Graded requests fill it too. */
int rbx_engine_execute_report(rbx_engine *eng, const rbx_request *req, const char *run_id,
                              rbx_report *report, json_object **response, rbx_error *err);

/* POST /validate: compile or syntax-check only, in the sandbox, with
 * diagnostics parsed into {line, column, severity, message}. */
int rbx_engine_validate(rbx_engine *eng, const rbx_request *req, json_object **response,
                        rbx_error *err);

/* The compile cache for GET /health: {"enabled", "hits", "misses", "stored",
 * "evicted", "errors", "cap_mb"}, counted across every process sharing it;
 * "error" when the cache could not be opened. */
json_object *rbx_engine_cache_json(rbx_engine *eng);
/* The compile cache's counters; -1 when the engine runs without a cache. */
struct rbx_compile_cache_stats;
int rbx_engine_cache_stats(rbx_engine *eng, struct rbx_compile_cache_stats *out);

/* Build the languages' missing prebuilt parts (engine/prebuilt.h: Java's
 * class-data sharing archives, the C++ harness's precompiled header) in
 * sandboxes; runs use them once they are there. Takes seconds: runbox-fcgi
 * calls it from a process of its own at start. */
int rbx_engine_prebuild(rbx_engine *eng, rbx_error *err);

/* Isolation in force, for GET /health: {"userns": bool, "cgroup": "v1", "seccomp": bool}. */
json_object *rbx_engine_isolation_json(rbx_engine *eng);

#endif
