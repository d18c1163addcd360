/* Piston v2 under /piston: GET /api/v2/runtimes and POST /api/v2/execute
 * (also under /api/v2/piston/, the public instance's spelling). A request is
 * translated into a native body (the first file is the entry; encodings
 * decoded here; limits in ms and bytes, -1 meaning the server's default) and
 * answered from the run in Piston's shape: run {stdout, stderr, output, code,
 * signal, message, status, cpu_time, wall_time, memory} and, for compiled
 * languages, compile {...}. Errors are {"message"} with 400 for anything the
 * request got wrong, as Piston answers them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/native.h"
#include "engine/text.h"
#include "fcgi/dialects/dialect.h"
#include "fcgi/dialects/run_view.h"

#define PISTON_MAX_FILES 32

static int bad(rbx_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(rbx_error *err, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s", msg);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

/* ---- versions: "*", "3.11.2", "3.11", "3.x", "^3.10", "~3.11.1", ">=3" ---- */

/* Does the installed version satisfy one Piston-style (semver) range? The
 * forms clients send are exact versions, wildcards and prefixes; ^ keeps the
 * major, ~ the major and minor, comparisons compare numerically. */
static int cmp_versions(const char *a, const char *b, int parts)
{
    for (int i = 0; i < parts; i++) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if (!*b)
            return 0;
    }
    return 0;
}

static bool version_ok(const char *installed, const char *range)
{
    while (*range == ' ' || *range == 'v' || *range == '=')
        range++;
    if (!*range || strcmp(range, "*") == 0 || strcmp(range, "x") == 0 ||
        strcmp(range, "latest") == 0)
        return true;
    if (range[0] == '^')
        return cmp_versions(installed, range + 1, 1) == 0 &&
               cmp_versions(installed, range + 1, 3) >= 0;
    if (range[0] == '~')
        return cmp_versions(installed, range + 1, 2) == 0 &&
               cmp_versions(installed, range + 1, 3) >= 0;
    if (range[0] == '>' && range[1] == '=')
        return cmp_versions(installed, range + 2, 3) >= 0;
    if (range[0] == '>')
        return cmp_versions(installed, range + 1, 3) > 0;
    /* exact or prefix, with x / * wildcards */
    const char *a = installed, *r = range;
    while (*r) {
        if (*r == 'x' || *r == 'X' || *r == '*')
            return true;
        size_t ra = strcspn(r, "."), aa = strcspn(a, ".");
        if (ra != aa || strncmp(a, r, ra) != 0)
            return false;
        a += aa, r += ra;
        if (*r == '.')
            r++;
        if (*a == '.')
            a++;
    }
    return true;
}

/* ---- the request ----------------------------------------------------------- */

static int decode_content(json_object *file, size_t i, json_object **out, rbx_error *err)
{
    char field[48];
    json_object *content = member(file, "content"), *enc = member(file, "encoding");
    const char *e =
        enc && json_object_is_type(enc, json_type_string) ? json_object_get_string(enc) : "utf8";
    snprintf(field, sizeof(field), "files[%zu].content", i);
    if (!content || !json_object_is_type(content, json_type_string))
        return bad(err, field, "%s must be a string", field);
    const char *s = json_object_get_string(content);
    size_t len = (size_t)json_object_get_string_len(content);
    if (strcmp(e, "utf8") == 0 || strcmp(e, "utf-8") == 0) {
        *out = json_object_get(content);
        return 0;
    }
    char *buf = NULL;
    size_t n = 0;
    if (strcmp(e, "base64") == 0) {
        if (rbx_base64_decode(s, len, &buf, &n) < 0)
            return bad(err, field, "%s is not valid base64", field);
    } else if (strcmp(e, "hex") == 0) {
        if (len % 2 || !(buf = malloc(len / 2 + 1)))
            return bad(err, field, "%s is not valid hex", field);
        for (n = 0; n < len / 2; n++) {
            unsigned v;
            if (sscanf(s + 2 * n, "%2x", &v) != 1) {
                free(buf);
                return bad(err, field, "%s is not valid hex", field);
            }
            buf[n] = (char)v;
        }
        buf[n] = '\0';
    } else {
        snprintf(field, sizeof(field), "files[%zu].encoding", i);
        return bad(err, field, "%s must be utf8, base64 or hex", field);
    }
    *out = json_object_new_string_len(buf, (int)n);
    free(buf);
    return 0;
}

static int add_files(json_object *in, json_object *native, rbx_error *err)
{
    json_object *files = member(in, "files");
    if (!files || !json_object_is_type(files, json_type_array) ||
        json_object_array_length(files) == 0)
        return bad(err, "files", "%s must be a non-empty array of {name, content}", "files");
    size_t n = json_object_array_length(files);
    if (n > PISTON_MAX_FILES)
        return bad(err, "files", "%s holds too many files", "files");
    json_object *extra = json_object_new_array();
    json_object_object_add(native, "files", extra);
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(files, i), *content = NULL, *name;
        if (!json_object_is_type(f, json_type_object))
            return bad(err, "files", "%s must hold objects {name, content}", "files");
        if (decode_content(f, i, &content, err) < 0)
            return -1;
        if (i == 0) { /* the entry: runbox names it for the language */
            json_object_object_add(native, "code", content);
            continue;
        }
        json_object *o = json_object_new_object();
        name = member(f, "name");
        char fallback[32];
        snprintf(fallback, sizeof(fallback), "file%zu.code", i);
        json_object_object_add(o, "name",
                               name ? json_object_get(name) : json_object_new_string(fallback));
        json_object_object_add(o, "content", content);
        json_object_array_add(extra, o);
    }
    if (n == 1)
        json_object_object_del(native, "files");
    return 0;
}

/* A limit in ms (or bytes -> KB); absent, 0 or -1 leave the server's default. */
static int add_limit(json_object *in, const char *key, json_object *limits, const char *native_key,
                     int64_t divisor, rbx_error *err)
{
    json_object *v = member(in, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return bad(err, key, "%s must be a number", key);
    int64_t x = json_object_get_int64(v);
    if (x == -1 || x == 0)
        return 0;
    if (x < 0)
        return bad(err, key, "%s must be positive, or -1 for the server's default", key);
    json_object_object_add(limits, native_key, json_object_new_int64((x + divisor - 1) / divisor));
    return 0;
}

static int copy_plain(json_object *in, const char *key, json_object *native)
{
    json_object *v = member(in, key);
    if (v)
        json_object_object_add(native, key, json_object_get(v));
    return 0;
}

static int to_native(json_object *in, const char *language, json_object **out, rbx_error *err)
{
    json_object *native = json_object_new_object(), *limits = json_object_new_object();
    *out = native;
    json_object_object_add(native, "language", json_object_new_string(language));
    json_object_object_add(native, "limits", limits);
    if (add_files(in, native, err) < 0 || copy_plain(in, "stdin", native) < 0 ||
        copy_plain(in, "args", native) < 0 ||
        add_limit(in, "run_timeout", limits, "wall_time_ms", 1, err) < 0 ||
        add_limit(in, "run_cpu_time", limits, "cpu_time_ms", 1, err) < 0 ||
        add_limit(in, "run_memory_limit", limits, "memory_kb", 1024, err) < 0)
        return -1;
    /* compile_timeout, compile_cpu_time, compile_memory_limit: runbox
     * compiles under the language's compile limits (see the note in README). */
    return 0;
}

/* The language the request names (an id or alias), and its installed version
 * against the requested range. */
static int find_runtime(rbx_service *svc, json_object *in, json_object **lang, rbx_error *err)
{
    json_object *l = member(in, "language"), *v = member(in, "version"), *version;
    if (!l || !json_object_is_type(l, json_type_string))
        return bad(err, "language", "%s is required as a string", "language");
    const char *range =
        v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "*";
    if (rbx_engine_language_json(svc->engine, json_object_get_string(l), lang, err) < 0 ||
        !json_object_object_get_ex(*lang, "version", &version) ||
        !version_ok(json_object_get_string(version), range)) {
        json_object_put(*lang);
        *lang = NULL;
        char what[200];
        snprintf(what, sizeof(what), "%.64s-%.64s", json_object_get_string(l), range);
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "language", "%s runtime is unknown",
                               what);
    }
    return 0;
}

/* ---- the answer ----------------------------------------------------------- */

static const char *run_status(const rbx_run_view *v)
{
    const char *s = v->status ? v->status : "internal_error";
    if (strcmp(s, "success") == 0 || strcmp(s, "wrong_answer") == 0)
        return NULL;
    if (strcmp(s, "time_limit") == 0)
        return "TO";
    if (strcmp(s, "output_limit") == 0)
        return "OL";
    if (strcmp(s, "internal_error") == 0 || strcmp(s, "cancelled") == 0)
        return "XX";
    return v->signal ? "SG" : "RE"; /* runtime_error, memory_limit */
}

static const char *run_message(const rbx_run_view *v)
{
    const char *s = v->status ? v->status : "";
    if (strcmp(s, "time_limit") == 0)
        return "Time limit exceeded";
    if (strcmp(s, "memory_limit") == 0)
        return "Memory limit exceeded";
    if (strcmp(s, "output_limit") == 0)
        return "Output limit exceeded";
    if (strcmp(s, "internal_error") == 0)
        return "Internal error";
    if (strcmp(s, "cancelled") == 0)
        return "Cancelled: the client went away";
    return NULL;
}

typedef struct piston_stage {
    rbx_view_text out, err;
    json_object *code; /* owned; NULL: null */
    int signal;
    const char *status, *message;
    int64_t cpu_ms, wall_ms;
    json_object *memory; /* owned; NULL: null */
} piston_stage;

/* {stdout, stderr, output, code, signal, message, status, cpu_time,
 * wall_time, memory}; output is stdout then stderr (runbox keeps them apart,
 * so their interleaving is not known). */
static json_object *stage_json(const piston_stage *st)
{
    json_object *o = json_object_new_object();
    char sig[32];
    size_t n = st->out.len + st->err.len;
    char *both = malloc(n + 1);
    if (both) {
        if (st->out.len)
            memcpy(both, st->out.data, st->out.len);
        if (st->err.len)
            memcpy(both + st->out.len, st->err.data, st->err.len);
    }
    json_object_object_add(o, "stdout", rbx_native_text(st->out.data, st->out.len, false));
    json_object_object_add(o, "stderr", rbx_native_text(st->err.data, st->err.len, false));
    json_object_object_add(o, "output", rbx_native_text(both, both ? n : 0, false));
    free(both);
    json_object_object_add(o, "code", st->code);
    rbx_json_put_string(o, "signal", rbx_signal_name(st->signal, sig, sizeof(sig)));
    rbx_json_put_string(o, "message", st->message);
    rbx_json_put_string(o, "status", st->status);
    json_object_object_add(o, "cpu_time", json_object_new_int64(st->cpu_ms));
    json_object_object_add(o, "wall_time", json_object_new_int64(st->wall_ms));
    json_object_object_add(o, "memory", st->memory);
    return o;
}

static json_object *write_answer(const rbx_run_view *v, bool compiled_language)
{
    json_object *o = json_object_new_object();
    bool failed = v->status && strcmp(v->status, "compile_error") == 0;
    rbx_json_put_string(o, "language", v->language);
    rbx_json_put_string(o, "version", v->version);
    if (compiled_language) {
        piston_stage c = {.out = v->compile_out,
                          .err = failed ? v->compile_message : v->compile_err,
                          .code = json_object_new_int(failed),
                          .status = failed ? "RE" : NULL,
                          .cpu_ms = v->compile_time_ms,
                          .wall_ms = v->compile_time_ms};
        json_object_object_add(o, "compile", stage_json(&c));
        if (failed) /* Piston answers a failed compile without a run */
            return o;
    }
    piston_stage r = {.out = v->out,
                      .err = v->err,
                      .signal = v->signal,
                      .status = run_status(v),
                      .message = run_message(v),
                      .cpu_ms = v->cpu_time_ms,
                      .wall_ms = v->wall_time_ms,
                      .code = v->has_exit_code ? json_object_new_int(v->exit_code) : NULL,
                      .memory = json_object_new_int64(v->memory_kb * 1024)};
    if (failed) { /* an interpreter's syntax error: Piston shows it as the run's */
        r.out = (rbx_view_text){NULL, 0};
        r.err = v->compile_message;
        r.status = "RE";
        json_object_put(r.code);
        r.code = json_object_new_int(1);
    }
    json_object_object_add(o, "run", stage_json(&r));
    return o;
}

static int handle_execute(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *lang = NULL, *native = NULL, *response = NULL, *compiled;
    rbx_report report;
    rbx_report_init(&report, "", NULL, NULL);
    if (find_runtime(call->svc, call->json, &lang, err) < 0)
        return -1;
    bool compiled_language =
        json_object_object_get_ex(lang, "compiled", &compiled) && json_object_get_boolean(compiled);
    int rc = to_native(call->json, json_object_get_string(json_object_object_get(lang, "id")),
                       &native, err);
    if (rc == 0)
        rc = rbx_service_run(call, native, &report, &response, err);
    if (rc == 0) {
        rbx_run_view v;
        rbx_run_view_of(&report, false, &v);
        rbx_reply_json(reply, 200, write_answer(&v, compiled_language));
        rbx_run_view_free(&v);
    }
    rbx_report_free(&report);
    json_object_put(response);
    json_object_put(native);
    json_object_put(lang);
    return rc;
}

static int handle_runtimes(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    json_object *all = rbx_engine_languages_json(call->svc->engine), *list, *out;
    if (!all || !json_object_object_get_ex(all, "languages", &list)) {
        json_object_put(all);
        return rbx_error_internal(err, "the language list is unavailable");
    }
    out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *l = json_object_array_get_idx(list, i), *r = json_object_new_object();
        json_object_object_add(r, "language", json_object_get(json_object_object_get(l, "id")));
        json_object_object_add(r, "version", json_object_get(json_object_object_get(l, "version")));
        json_object_object_add(r, "aliases", json_object_get(json_object_object_get(l, "aliases")));
        json_object_array_add(out, r);
    }
    json_object_put(all);
    rbx_reply_json(reply, 200, out);
    return 0;
}

static const rbx_route ROUTES[] = {
    {"GET", "/api/v2/runtimes", handle_runtimes, false, false, false},
    {"GET", "/api/v2/piston/runtimes", handle_runtimes, false, false, false},
    {"POST", "/api/v2/execute", handle_execute, true, true, false},
    {"POST", "/api/v2/piston/execute", handle_execute, true, true, false},
};

static const char *key_of(const rbx_http_request *http)
{
    return rbx_dialect_bare_or_bearer(http->authorization);
}

static const char *keyless_user(const rbx_config *cfg)
{
    return cfg->piston_user;
}

/* Piston answers every refusal as {"message"}; what the request got wrong,
 * including a limit over the server's, is a 400. */
static json_object *error_body(const rbx_error *err, int *status)
{
    if (*status == 422 || *status == 413 || *status == 415)
        *status = 400;
    json_object *o = json_object_new_object();
    rbx_json_put_string(o, "message", err->message);
    return o;
}

const rbx_dialect rbx_dialect_piston = {
    .name = "piston",
    .prefix = "/piston",
    .routes = ROUTES,
    .n_routes = sizeof(ROUTES) / sizeof(ROUTES[0]),
    .key_of = key_of,
    .keyless_user = keyless_user,
    .error_body = error_body,
    .any_content_type = true,
};
