/* The HTTP side of one FastCGI request: what nginx passed in (method, path,
 * query, headers, body) and how an answer goes out (a JSON body with a status,
 * or the error envelope of DESIGN.md section 3). Nothing here knows routes. */
#ifndef RBX_FCGI_HTTP_H
#define RBX_FCGI_HTTP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define RBX_API_PREFIX "/api/v1/code"

/* Parameters of one request, borrowed from the FastCGI environment. */
typedef struct rbx_http_request {
    const char *method;        /* REQUEST_METHOD */
    const char *path;          /* DOCUMENT_URI, else REQUEST_URI without the query */
    const char *query;         /* QUERY_STRING, "" when none */
    const char *content_type;  /* CONTENT_TYPE, NULL when none */
    const char *authorization; /* HTTP_AUTHORIZATION, NULL when none */
    const char *auth_token;    /* HTTP_X_AUTH_TOKEN (Judge0's key header), NULL when none */
    const char *origin;        /* HTTP_ORIGIN (a browser's page across origins), NULL when none */
    long long content_length;  /* -1 when absent */
    long long start_ms;        /* REQUEST_START (nginx's $msec) in unix ms: when the front
                                  got the request; -1 when not passed */
    char request_id[40];       /* nginx's $request_id (REQUEST_ID), else one made here */
    char path_buf[1024];
} rbx_http_request;

/* Fill req from a FastCGI environment (envp of FCGX_Request). */
void rbx_http_request_init(rbx_http_request *req, char **envp);

/* 415 unless the Content-Type is application/json (parameters such as
 * charset=utf-8 allowed, case-insensitive). */
int rbx_http_require_json(const rbx_http_request *req, rbx_error *err);

/* Largest body accepted: room for code and files (base64 makes them 4/3
 * bigger) plus stdin, with headroom for the JSON around them. */
size_t rbx_http_body_cap(size_t max_code_kb, size_t max_stdin_kb);

/* Parse a body of len bytes as one JSON object: 400 invalid_json (not JSON,
 * trailing garbage, nesting too deep) or 400 invalid_request (not an object). */
int rbx_http_parse_json_object(const char *body, size_t len, json_object **out, rbx_error *err);

/* Query string: decoded value of name into out (1 found, 0 absent, -1 400 with field). */
int rbx_http_query_get(const char *query, const char *name, char *out, size_t outsz,
                       rbx_error *err);
/* Integer query parameter in [min, max], default when absent; 400 naming the field otherwise. */
int rbx_http_query_int(const char *query, const char *name, long long min, long long max,
                       long long def, long long *out, rbx_error *err);

/* Reason phrase for a status ("Not Found"). */
const char *rbx_http_reason(int status);

/* The HTTP status of an error kind: the one place kinds meet statuses. */
int rbx_http_status_of(rbx_error_kind kind);

/* {"error": {"code", "message", "field"}}; field is null when empty. */
json_object *rbx_http_error_json(const rbx_error *err);

#endif
