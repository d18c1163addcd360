#include "fcgi/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>

#include "common/json_strict.h"

/* JSON nesting deeper than this is refused: no legitimate request comes close,
 * and json-c's recursion is bounded by it. */
#define RBX_JSON_MAX_DEPTH 32

static const char *env_get(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* nginx's $request_id (32 hex digits) when it is one; otherwise (another
 * front end, or a value that could break a header or a log line) our own. */
static void set_request_id(rbx_http_request *req, const char *given)
{
    size_t n = given ? strlen(given) : 0;
    bool usable = n >= 8 && n < sizeof(req->request_id);
    for (size_t i = 0; usable && i < n; i++)
        usable = isalnum((unsigned char)given[i]) || given[i] == '-';
    if (usable) {
        memcpy(req->request_id, given, n + 1);
        return;
    }
    uuid_t id;
    uuid_generate_random(id);
    uuid_unparse_lower(id, req->request_id);
}

void rbx_http_request_init(rbx_http_request *req, char **envp)
{
    memset(req, 0, sizeof(*req));
    req->method = env_get(envp, "REQUEST_METHOD");
    if (!req->method)
        req->method = "GET";
    req->query = env_get(envp, "QUERY_STRING");
    if (!req->query)
        req->query = "";
    req->content_type = env_get(envp, "CONTENT_TYPE");
    req->authorization = env_get(envp, "HTTP_AUTHORIZATION");
    req->auth_token = env_get(envp, "HTTP_X_AUTH_TOKEN");
    req->origin = env_get(envp, "HTTP_ORIGIN");

    /* DOCUMENT_URI is nginx's normalised, decoded path; REQUEST_URI is the raw
     * one with the query, a fallback for other front ends. */
    const char *uri = env_get(envp, "DOCUMENT_URI");
    if (!uri)
        uri = env_get(envp, "REQUEST_URI");
    if (!uri)
        uri = "/";
    size_t len = strcspn(uri, "?");
    if (len >= sizeof(req->path_buf))
        len = sizeof(req->path_buf) - 1;
    memcpy(req->path_buf, uri, len);
    req->path_buf[len] = '\0';
    req->path = req->path_buf;

    /* "1733000000.123": seconds with milliseconds. */
    const char *start = env_get(envp, "REQUEST_START");
    req->start_ms = -1;
    if (start && *start) {
        char *end = NULL;
        double sec = strtod(start, &end);
        /* Bounded before the conversion: a double past long long's range
         * is undefined behaviour (found by tests/fuzz/fuzz_fcgi_request). */
        if (end != start && *end == '\0' && sec > 0 && sec < 1e12)
            req->start_ms = (long long)(sec * 1000.0 + 0.5);
    }

    set_request_id(req, env_get(envp, "REQUEST_ID"));

    const char *cl = env_get(envp, "CONTENT_LENGTH");
    req->content_length = -1;
    if (cl && *cl) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(cl, &end, 10);
        if (!errno && end != cl && *end == '\0' && v >= 0)
            req->content_length = v;
    }
}

int rbx_http_require_json(const rbx_http_request *req, rbx_error *err)
{
    const char *ct = req->content_type;
    static const char want[] = "application/json";
    if (ct) {
        while (*ct == ' ')
            ct++;
        size_t n = sizeof(want) - 1;
        if (strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return 0;
    }
    return rbx_error_raise(err, RBX_ERR_UNSUPPORTED, NULL, NULL,
                           "the request body must be JSON (Content-Type: application/json)");
}

size_t rbx_http_body_cap(size_t max_code_kb, size_t max_stdin_kb)
{
    return (max_code_kb * 4 / 3 + max_stdin_kb * 4 / 3 + 64) * 1024;
}

int rbx_http_parse_json_object(const char *body, size_t len, json_object **out, rbx_error *err)
{
    *out = NULL;
    json_tokener *tok = json_tokener_new_ex(RBX_JSON_MAX_DEPTH);
    if (!tok)
        return rbx_error_internal(err, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t consumed = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        const char *why = jerr == json_tokener_continue ? "the body ended inside a JSON value"
                                                        : json_tokener_error_desc(jerr);
        return rbx_error_raise(err, RBX_ERR_INVALID, "invalid_json", NULL,
                               "the body is not valid JSON: %s", why);
    }
    for (size_t i = consumed; i < len; i++) {
        if (!isspace((unsigned char)body[i])) {
            json_object_put(obj);
            return rbx_error_raise(err, RBX_ERR_INVALID, "invalid_json", NULL,
                                   "the body holds more than one JSON value");
        }
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, NULL, "the body must be a JSON object");
    }
    /* What json-c let through (duplicate names, overlong UTF-8, lone
     * surrogates, NUL in identifiers): common/json_strict.h. */
    if (rbx_json_strict_check(body, consumed, RBX_JSON_MAX_DEPTH, err) < 0) {
        json_object_put(obj);
        return -1;
    }
    *out = obj;
    return 0;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent- and plus-decode [s, s+n) into out; -1 when malformed or too long. */
static int url_decode(const char *s, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || o + 1 >= outsz)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int rbx_http_query_get(const char *query, const char *name, char *out, size_t outsz, rbx_error *err)
{
    size_t nlen = strlen(name);
    const char *p = query ? query : "";
    while (*p) {
        size_t plen = strcspn(p, "&");
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        if (klen == nlen && strncmp(p, name, nlen) == 0) {
            const char *v = eq ? eq + 1 : p + plen;
            size_t vlen = (size_t)(p + plen - v);
            if (url_decode(v, vlen, out, outsz) < 0)
                return rbx_error_raise(err, RBX_ERR_INVALID, NULL, name,
                                       "query parameter '%s' is malformed or too long", name);
            return 1;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    return 0;
}

int rbx_http_query_int(const char *query, const char *name, long long min, long long max,
                       long long def, long long *out, rbx_error *err)
{
    char buf[32];
    int rc = rbx_http_query_get(query, name, buf, sizeof(buf), err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || end == buf || *end != '\0' || v < min || v > max)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, name,
                               "query parameter '%s' must be an integer from %lld to %lld", name,
                               min, max);
    *out = v;
    return 0;
}

const char *rbx_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

int rbx_http_status_of(rbx_error_kind kind)
{
    switch (kind) {
    case RBX_ERR_INVALID:
        return 400;
    case RBX_ERR_UNAUTHORIZED:
        return 401;
    case RBX_ERR_FORBIDDEN:
        return 403;
    case RBX_ERR_NOT_FOUND:
        return 404;
    case RBX_ERR_NOT_ALLOWED:
        return 405;
    case RBX_ERR_CONFLICT:
        return 409;
    case RBX_ERR_TOO_LARGE:
        return 413;
    case RBX_ERR_UNSUPPORTED:
        return 415;
    case RBX_ERR_OVER_LIMIT:
    case RBX_ERR_UNPROCESSABLE:
        return 422;
    case RBX_ERR_RATE_LIMITED:
        return 429;
    case RBX_ERR_UPSTREAM:
        return 502;
    case RBX_ERR_BUSY:
        return 503;
    case RBX_ERR_INTERNAL:
        break;
    }
    return 500;
}

json_object *rbx_http_error_json(const rbx_error *err)
{
    json_object *inner = json_object_new_object();
    json_object_object_add(inner, "code",
                           json_object_new_string(err->code[0] ? err->code : "internal_error"));
    json_object_object_add(inner, "message", json_object_new_string(err->message));
    json_object_object_add(inner, "field",
                           err->field[0] ? json_object_new_string(err->field) : NULL);
    json_object *outer = json_object_new_object();
    json_object_object_add(outer, "error", inner);
    return outer;
}
