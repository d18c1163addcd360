/* A validated /execute (or /validate, /execute/async) request, decoded: what
 * the rest of the engine and grading read. Built only by rbx_request_parse. */
#ifndef RBX_ENGINE_REQUEST_H
#define RBX_ENGINE_REQUEST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "engine/engine.h"
#include "engine/grading/spec.h"
#include "engine/language.h"

#define RBX_MAX_FILES 32
#define RBX_MAX_FILE_NAME 128
#define RBX_MAX_ARGS 64
#define RBX_MAX_ARG_BYTES 4096
#define RBX_MAX_SESSION_ID 128
#define RBX_MAX_FUNCTION_NAME 128
#define RBX_MAX_CALLBACK_URL 2048

typedef struct rbx_source_file {
    char *name;
    char *content; /* decoded; NUL-terminated, may hold NULs: use len */
    size_t len;
} rbx_source_file;

struct rbx_request {
    json_object *body;      /* the request as received (a reference we hold) */
    rbx_language *lang;     /* canonical language, aliases resolved */
    bool base64;            /* base64_encoded: outputs are encoded too */
    rbx_source_file *files; /* files[0] is the entry point (from "code" when given) */
    size_t n_files;
    char *stdin_data; /* decoded; NULL when absent */
    size_t stdin_len;
    char **args;              /* NULL-terminated, never NULL */
    rbx_limits limits;        /* as requested; 0 = not set (language default) */
    rbx_grading_spec grading; /* test_cases, function_name, tests; mode NONE when absent */
    bool has_project_id;
    int64_t project_id;
    char *session_id;   /* NULL when absent */
    bool save_history;  /* default true */
    char *callback_url; /* only for async; NULL when absent */
    char *main_class;   /* the class declaring main (Java), NULL: the entry's stem */
};

/* The engine-free core of rbx_request_parse, for tests and other callers. */
int rbx_request_parse_with(const rbx_config *cfg, const rbx_language_set *langs, json_object *body,
                           bool for_async, rbx_request **out, rbx_error *err);

#endif
