/* Validating and decoding an /execute body. Every field is type-checked and
 * every failure names the field, so a client can fix its request from the
 * error alone: 400 invalid_request for a bad field, 413 payload_too_large for
 * code or stdin over the server's caps, 422 limit_exceeded for limits (or
 * test case counts) beyond the server's maxima. */
#include "engine/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "engine/grading/grading.h"
#include "engine/grading/spec.h"
#include "engine/imports.h"
#include "engine/java_source.h"
#include "engine/text.h"

static const char *const FIELDS[] = {
    "language",     "code",       "files",         "stdin", "args",       "base64_encoded",
    "limits",       "test_cases", "function_name", "tests", "project_id", "session_id",
    "save_history", "imports",    "timeout",       NULL,
};

typedef struct parse_ctx {
    const rbx_config *cfg;
    rbx_request *req;
    rbx_error *err;
} parse_ctx;

static int invalid(parse_ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int invalid(parse_ctx *c, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, field, "%s", msg);
}

static json_object *member(json_object *body, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(body, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

static int check_known_fields(parse_ctx *c, json_object *body, bool for_async)
{
    json_object_object_foreach(body, key, val)
    {
        (void)val;
        bool known =
            for_async && (strcmp(key, "callback_url") == 0 || strcmp(key, "callback_format") == 0);
        for (size_t i = 0; !known && FIELDS[i]; i++)
            known = strcmp(FIELDS[i], key) == 0;
        if (!known) {
            char field[64];
            snprintf(field, sizeof(field), "%s", key);
            return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, field, "unknown field \"%.100s\"",
                                   key);
        }
    }
    return 0;
}

/* A string field, decoded from base64 when the request says so. */
static int text_field(parse_ctx *c, json_object *v, const char *field, bool decode, char **out,
                      size_t *out_len)
{
    if (!json_object_is_type(v, json_type_string))
        return invalid(c, field, "%s must be a string", field);
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (decode) {
        if (rbx_base64_decode(s, len, out, out_len) < 0)
            return invalid(c, field, "%s is not valid base64 (base64_encoded is true)", field);
        return 0;
    }
    *out = malloc(len + 1);
    if (!*out)
        return rbx_error_errno(c->err, "out of memory");
    memcpy(*out, s, len);
    (*out)[len] = '\0';
    *out_len = len;
    return 0;
}

static int parse_language(parse_ctx *c, json_object *body, const rbx_language_set *langs)
{
    json_object *v = member(body, "language");
    if (!v)
        return invalid(c, "language", "language is required");
    if (!json_object_is_type(v, json_type_string))
        return invalid(c, "language", "language must be a string");
    c->req->lang = rbx_languages_find(langs, json_object_get_string(v));
    if (!c->req->lang)
        return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, "language",
                               "unknown language \"%.64s\" (GET /languages lists them)",
                               json_object_get_string(v));
    return 0;
}

static int parse_bool(parse_ctx *c, json_object *body, const char *key, bool dflt, bool *out)
{
    json_object *v = member(body, key);
    *out = dflt;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return invalid(c, key, "%s must be true or false", key);
    *out = json_object_get_boolean(v);
    return 0;
}

/* Plain names only: the host writes these files, so nothing that could climb
 * out of the work dir, hide (leading '.'), or surprise a shell or compiler. */
static bool safe_file_name(const char *s, size_t len)
{
    if (len == 0 || len > RBX_MAX_FILE_NAME || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == '+';
        if (!ok)
            return false;
    }
    return strstr(s, "..") == NULL;
}

static bool name_taken(const rbx_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_files; i++)
        if (strcmp(req->files[i].name, name) == 0)
            return true;
    return false;
}

static int add_file(parse_ctx *c, const char *name, json_object *content, const char *field)
{
    rbx_request *req = c->req;
    rbx_source_file *f = &req->files[req->n_files];
    if (text_field(c, content, field, req->base64, &f->content, &f->len) < 0)
        return -1;
    f->name = strdup(name);
    if (!f->name) {
        free(f->content);
        return rbx_error_errno(c->err, "out of memory");
    }
    req->n_files++;
    return 0;
}

static int parse_one_file(parse_ctx *c, json_object *e, size_t i)
{
    char field[64];
    json_object *name, *content;
    snprintf(field, sizeof(field), "files[%zu]", i);
    if (!json_object_is_type(e, json_type_object))
        return invalid(c, field, "%s must be an object {\"name\", \"content\"}", field);
    json_object_object_foreach(e, key, val)
    {
        (void)val;
        if (strcmp(key, "name") != 0 && strcmp(key, "content") != 0) {
            snprintf(field, sizeof(field), "files[%zu].%.20s", i, key);
            return invalid(c, field, "unknown field %s", field);
        }
    }
    snprintf(field, sizeof(field), "files[%zu].name", i);
    if (!json_object_object_get_ex(e, "name", &name) ||
        !json_object_is_type(name, json_type_string))
        return invalid(c, field, "%s must be a string", field);
    const char *n = json_object_get_string(name);
    if (!safe_file_name(n, (size_t)json_object_get_string_len(name)))
        return invalid(c, field,
                       "%s must be a plain file name (letters, digits, '_', '-', '+', '.'; no "
                       "'/', no '..', not starting with '.' or '-')",
                       field);
    if (name_taken(c->req, n))
        return invalid(c, field, "%s repeats a file name (or the entry file of \"code\")", field);
    snprintf(field, sizeof(field), "files[%zu].content", i);
    if (!json_object_object_get_ex(e, "content", &content))
        return invalid(c, field, "%s is required", field);
    return add_file(c, n, content, field);
}

/* The entry point goes first: the language's file name when some file has
 * it, otherwise the first file given. */
static void move_entry_first(rbx_request *req)
{
    for (size_t i = 1; i < req->n_files; i++) {
        if (strcmp(req->files[i].name, req->lang->file_name) == 0) {
            rbx_source_file entry = req->files[i];
            memmove(&req->files[1], &req->files[0], i * sizeof(entry));
            req->files[0] = entry;
            return;
        }
    }
}

static int parse_sources(parse_ctx *c, json_object *body)
{
    rbx_request *req = c->req;
    json_object *code = member(body, "code"), *files = member(body, "files");
    size_t n_files = 0;
    if (files) {
        if (!json_object_is_type(files, json_type_array))
            return invalid(c, "files", "files must be an array of {\"name\", \"content\"}");
        n_files = json_object_array_length(files);
        if (n_files > RBX_MAX_FILES)
            return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, "files",
                                   "files holds %zu files; at most %d are allowed", n_files,
                                   RBX_MAX_FILES);
    }
    if (!code && n_files == 0)
        return invalid(c, "code", "code is required (or files)");
    req->files = calloc(n_files + 1, sizeof(*req->files));
    if (!req->files)
        return rbx_error_errno(c->err, "out of memory");
    if (code && add_file(c, req->lang->file_name, code, "code") < 0)
        return -1;
    if (code && req->files[0].len == 0)
        return invalid(c, "code", "code must not be empty");
    for (size_t i = 0; i < n_files; i++)
        if (parse_one_file(c, json_object_array_get_idx(files, i), i) < 0)
            return -1;
    if (!code)
        move_entry_first(req);
    return 0;
}

static int check_code_size(parse_ctx *c)
{
    size_t total = 0;
    for (size_t i = 0; i < c->req->n_files; i++)
        total += c->req->files[i].len;
    if (total > c->cfg->max_code_kb * 1024)
        return rbx_error_raise(c->err, RBX_ERR_TOO_LARGE, NULL,
                               c->req->n_files > 1 ? "files" : "code",
                               "code is %zu bytes; at most %llu KB are allowed", total,
                               (unsigned long long)c->cfg->max_code_kb);
    return 0;
}

static int parse_stdin(parse_ctx *c, json_object *body)
{
    json_object *v = member(body, "stdin");
    if (!v)
        return 0;
    if (text_field(c, v, "stdin", c->req->base64, &c->req->stdin_data, &c->req->stdin_len) < 0)
        return -1;
    if (c->req->stdin_len > c->cfg->max_stdin_kb * 1024)
        return rbx_error_raise(c->err, RBX_ERR_TOO_LARGE, NULL, "stdin",
                               "stdin is %zu bytes; at most %llu KB are allowed", c->req->stdin_len,
                               (unsigned long long)c->cfg->max_stdin_kb);
    return 0;
}

static int parse_args(parse_ctx *c, json_object *body)
{
    json_object *v = member(body, "args");
    size_t n = 0;
    if (v && !json_object_is_type(v, json_type_array))
        return invalid(c, "args", "args must be an array of strings");
    if (v && (n = json_object_array_length(v)) > RBX_MAX_ARGS)
        return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, "args",
                               "args holds %zu strings; at most %d are allowed", n, RBX_MAX_ARGS);
    c->req->args = calloc(n + 1, sizeof(char *));
    if (!c->req->args)
        return rbx_error_errno(c->err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        char field[32];
        snprintf(field, sizeof(field), "args[%zu]", i);
        if (!json_object_is_type(e, json_type_string))
            return invalid(c, field, "%s must be a string", field);
        size_t len = (size_t)json_object_get_string_len(e);
        const char *s = json_object_get_string(e);
        if (strlen(s) != len || len > RBX_MAX_ARG_BYTES)
            return invalid(c, field, "%s must hold no NUL byte and at most 4096 bytes", field);
        if (!(c->req->args[i] = strdup(s)))
            return rbx_error_errno(c->err, "out of memory");
    }
    return 0;
}

static int parse_limits(parse_ctx *c, json_object *body)
{
    json_object *obj = member(body, "limits");
    if (!obj)
        return 0;
    if (!json_object_is_type(obj, json_type_object))
        return invalid(c, "limits", "limits must be an object");
    json_object_object_foreach(obj, key, val)
    {
        char field[64];
        snprintf(field, sizeof(field), "limits.%.40s", key);
        const rbx_limit_field *f = rbx_limit_field_named(key);
        if (!f)
            return invalid(c, field, "unknown limit %s", field);
        if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) <= 0)
            return invalid(c, field, "%s must be a positive integer", field);
        uint64_t value = (uint64_t)json_object_get_int64(val);
        uint64_t max = rbx_limit_get(&c->cfg->max, f);
        if (value > max)
            return rbx_error_raise(c->err, RBX_ERR_OVER_LIMIT, NULL, field,
                                   "%s is %llu; this server allows at most %llu", field,
                                   (unsigned long long)value, (unsigned long long)max);
        rbx_limit_set(&c->req->limits, f, value);
    }
    return 0;
}

static int parse_plain_string(parse_ctx *c, json_object *body, const char *key, size_t max,
                              char **out)
{
    json_object *v = member(body, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return invalid(c, key, "%s must be a string", key);
    size_t len = (size_t)json_object_get_string_len(v);
    if (len == 0 || len > max || strlen(json_object_get_string(v)) != len)
        return rbx_error_raise(c->err, RBX_ERR_INVALID, NULL, key,
                               "%s must be 1 to %zu characters without NUL", key, max);
    if (!(*out = strdup(json_object_get_string(v))))
        return rbx_error_errno(c->err, "out of memory");
    return 0;
}

/* Base64 text of a grading field (grading's decoder when base64_encoded). */
static int decode_grading_text(void *ctx, json_object *v, const char *field, char **out,
                               size_t *len, rbx_error *err)
{
    (void)err; /* text_field reports into the parse context's error */
    return text_field(ctx, v, field, true, out, len);
}

/* The grading fields, validated by grading and parsed into the request's
 * spec once; base64 text decoded as the other text fields are. */
static int parse_grading(parse_ctx *c, json_object *body)
{
    return rbx_grading_spec_parse(body, c->cfg->max_test_cases,
                                  c->req->base64 ? decode_grading_text : NULL, c, &c->req->grading,
                                  c->err);
}

/* `timeout` (a seed platform's field): the wall-time limit in seconds, a
 * second spelling of limits.wall_time_ms that must agree with it. */
static int parse_timeout(parse_ctx *c, json_object *body)
{
    json_object *v = member(body, "timeout");
    if (!v)
        return 0;
    bool number = json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    double seconds = number ? json_object_get_double(v) : 0;
    if (!number || !(seconds > 0) || seconds > 1e6)
        return invalid(c, "timeout", "timeout must be a positive number of seconds");
    uint64_t ms = (uint64_t)(seconds * 1000.0 + 0.999);
    if (ms > c->cfg->max.wall_time_ms)
        return rbx_error_raise(c->err, RBX_ERR_OVER_LIMIT, NULL, "timeout",
                               "timeout is %g s; this server allows at most %g s", seconds,
                               (double)c->cfg->max.wall_time_ms / 1000.0);
    if (c->req->limits.wall_time_ms && c->req->limits.wall_time_ms != ms)
        return invalid(c, "timeout",
                       "timeout (%g s) and limits.wall_time_ms (%llu) disagree; give one", seconds,
                       (unsigned long long)c->req->limits.wall_time_ms);
    c->req->limits.wall_time_ms = ms;
    return 0;
}

/* Seed platforms send `"tests": ""` (or null) for "no tests", and null for
 * any absent grading field; grading reads the body, so those go from it. */
static void drop_empty_grading(json_object *body)
{
    static const char *const KEYS[] = {"tests", "test_cases", "function_name", NULL};
    for (size_t i = 0; KEYS[i]; i++) {
        json_object *v;
        if (!json_object_object_get_ex(body, KEYS[i], &v))
            continue;
        if (!v || (json_object_is_type(v, json_type_string) && strcmp(KEYS[i], "tests") == 0 &&
                   json_object_get_string_len(v) == 0))
            json_object_object_del(body, KEYS[i]);
    }
}

static int apply_imports(parse_ctx *c, json_object *body)
{
    json_object *v = member(body, "imports");
    return v ? rbx_imports_apply(c->req->lang->id, v, &c->req->files[0], c->err) : 0;
}

static bool java_name_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '$'))
            return false;
    return *s != '\0' && *s != '$';
}

/* Java: javac wants the public class in its own file name, and java the
 * class that declares main, whatever it is called. */
static int name_java_entry(parse_ctx *c, bool from_code)
{
    rbx_request *req = c->req;
    rbx_java_classes classes;
    if (!req->lang->class_naming)
        return 0;
    rbx_java_scan(req->files[0].content, req->files[0].len, &classes);
    char name[RBX_JAVA_MAX_CLASS + 8];
    snprintf(name, sizeof(name), "%s.java", classes.public_class);
    if (from_code && java_name_ok(classes.public_class) && !name_taken(req, name)) {
        char *copy = strdup(name);
        if (!copy)
            return rbx_error_errno(c->err, "out of memory");
        free(req->files[0].name);
        req->files[0].name = copy;
    }
    if (java_name_ok(classes.main_class) && !(req->main_class = strdup(classes.main_class)))
        return rbx_error_errno(c->err, "out of memory");
    return 0;
}

static int parse_project_id(parse_ctx *c, json_object *body)
{
    json_object *v = member(body, "project_id");
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return invalid(c, "project_id", "project_id must be an integer");
    c->req->has_project_id = true;
    c->req->project_id = json_object_get_int64(v);
    return 0;
}

static int parse_callback_url(parse_ctx *c, json_object *body)
{
    if (parse_plain_string(c, body, "callback_url", RBX_MAX_CALLBACK_URL, &c->req->callback_url) <
        0)
        return -1;
    const char *u = c->req->callback_url;
    if (!u)
        return 0;
    const char *rest = strncmp(u, "https://", 8) == 0  ? u + 8
                       : strncmp(u, "http://", 7) == 0 ? u + 7
                                                       : NULL;
    if (!rest || !*rest || *rest == '/' || strpbrk(u, " \t\r\n"))
        return invalid(c, "callback_url", "callback_url must be an http:// or https:// URL");
    return 0;
}

/* callback_format: the shape of the callback body (a dialect's, for the
 * clients of /judge0 and /code-execution-engine); the worker reads it back
 * from the stored request. */
static int parse_callback_format(parse_ctx *c, json_object *body)
{
    static const char *const FORMATS[] = {"runbox", "judge0", "code-execution-engine", NULL};
    json_object *v = member(body, "callback_format");
    if (!v)
        return 0;
    for (size_t i = 0; json_object_is_type(v, json_type_string) && FORMATS[i]; i++)
        if (strcmp(json_object_get_string(v), FORMATS[i]) == 0)
            return 0;
    return invalid(c, "callback_format",
                   "callback_format must be \"runbox\", \"judge0\" or \"code-execution-engine\"");
}

static int parse_all(parse_ctx *c, json_object *body, const rbx_language_set *langs, bool for_async)
{
    if (!json_object_is_type(body, json_type_object))
        return invalid(c, "", "the request body must be a JSON object");
    drop_empty_grading(body);
    if (check_known_fields(c, body, for_async) < 0 || parse_language(c, body, langs) < 0 ||
        parse_bool(c, body, "base64_encoded", false, &c->req->base64) < 0 ||
        parse_sources(c, body) < 0 || check_code_size(c) < 0 || apply_imports(c, body) < 0 ||
        name_java_entry(c, member(body, "code") != NULL) < 0 || parse_stdin(c, body) < 0 ||
        parse_args(c, body) < 0 || parse_limits(c, body) < 0 || parse_timeout(c, body) < 0 ||
        parse_grading(c, body) < 0 || parse_project_id(c, body) < 0 ||
        parse_plain_string(c, body, "session_id", RBX_MAX_SESSION_ID, &c->req->session_id) < 0 ||
        parse_bool(c, body, "save_history", true, &c->req->save_history) < 0 ||
        (for_async && (parse_callback_url(c, body) < 0 || parse_callback_format(c, body) < 0)))
        return -1;
    return 0;
}

int rbx_request_parse_with(const rbx_config *cfg, const rbx_language_set *langs, json_object *body,
                           bool for_async, rbx_request **out, rbx_error *err)
{
    *out = NULL;
    rbx_request *req = calloc(1, sizeof(*req));
    if (!req)
        return rbx_error_errno(err, "out of memory");
    parse_ctx c = {cfg, req, err};
    req->body = json_object_get(body);
    if (parse_all(&c, body, langs, for_async) < 0) {
        rbx_request_free(req);
        return -1;
    }
    *out = req;
    return 0;
}

void rbx_request_free(rbx_request *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->n_files; i++) {
        free(req->files[i].name);
        free(req->files[i].content);
    }
    free(req->files);
    free(req->stdin_data);
    for (size_t i = 0; req->args && req->args[i]; i++)
        free(req->args[i]);
    free(req->args);
    rbx_grading_spec_free(&req->grading);
    free(req->session_id);
    free(req->callback_url);
    free(req->main_class);
    json_object_put(req->body);
    free(req);
}

json_object *rbx_request_body(const rbx_request *req)
{
    return req->body;
}

const char *rbx_request_language_id(const rbx_request *req)
{
    return req->lang->id;
}

bool rbx_request_save_history(const rbx_request *req)
{
    return req->save_history;
}

const char *rbx_request_callback_url(const rbx_request *req)
{
    return req->callback_url;
}
