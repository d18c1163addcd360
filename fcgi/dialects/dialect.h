/* Dialects: the other APIs runbox speaks besides its own (/api/v1/code). A
 * dialect is a route table under a path prefix, how its clients authenticate,
 * and the shape of its errors. Its handlers translate the request into a
 * native body and answer from the run's result through the same entry points
 * as the native handlers (rbx_service_execute, rbx_service_enqueue): there is
 * one way to the sandbox, and several writers.
 *
 * The router picks the dialect by the longest prefix that matches the path;
 * nginx forwards each prefix from an include of its own, so an operator who
 * leaves an include out leaves that dialect unreachable. */
#ifndef RBX_FCGI_DIALECTS_DIALECT_H
#define RBX_FCGI_DIALECTS_DIALECT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "fcgi/router.h"
#include "fcgi/service.h"

typedef struct rbx_dialect {
    const char *name;   /* "judge0": names the dialect in logs and the configuration */
    const char *prefix; /* "/judge0": routes below it */
    const rbx_route *routes;
    size_t n_routes;
    /* The key the client sent, NULL when none (then keyless, if configured). */
    const char *(*key_of)(const rbx_http_request *http);
    /* The user keyless requests run as ([dialects] in the configuration); "" = keys required. */
    const char *(*keyless_user)(const rbx_config *cfg);
    /* The error in the dialect's own shape; may change *status (Judge0's 422s). */
    json_object *(*error_body)(const rbx_error *err, int *status);
    bool any_content_type; /* a JSON body is read whatever its Content-Type (Piston) */
} rbx_dialect;

extern const rbx_dialect rbx_dialect_native;
extern const rbx_dialect rbx_dialect_execution;    /* /api/v1/execution (GhostIDE) */
extern const rbx_dialect rbx_dialect_execute_test; /* /execute-test (Picobytes) */
extern const rbx_dialect rbx_dialect_cee;          /* /code-execution-engine */
extern const rbx_dialect rbx_dialect_judge0;       /* /judge0 (Judge0 CE 1.13.1) */
extern const rbx_dialect rbx_dialect_piston;       /* /piston (Piston v2) */

/* Every dialect, NULL-terminated. */
extern const rbx_dialect *const rbx_dialects[];

/* The dialect whose prefix path is under (the longest), NULL when none;
 * *rel is the rest of the path (without one trailing slash), in buf. */
const rbx_dialect *rbx_dialect_for(const char *path, char *buf, size_t bufsz, const char **rel);

/* Helpers for dialect writers. */
void rbx_json_put_string(json_object *o, const char *key, const char *s); /* NULL -> null */
/* Authorization: "Bearer <key>" or the bare key (Piston's clients send either). */
const char *rbx_dialect_bare_or_bearer(const char *header);

#endif
