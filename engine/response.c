#include "engine/response.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/diagnostics.h"
#include "engine/text.h"

const char *rbx_signal_name(int sig, char *buf, size_t bufsz)
{
    if (sig <= 0)
        return NULL;
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        snprintf(buf, bufsz, "SIG%s", abbrev);
    else
        snprintf(buf, bufsz, "SIG%d", sig);
    return buf;
}

json_object *rbx_output_json(const char *buf, size_t len, bool base64)
{
    if (!buf)
        buf = "", len = 0;
    char *text = base64 ? rbx_base64_encode(buf, len) : rbx_utf8_repair(buf, len);
    if (!text)
        return NULL;
    json_object *s = json_object_new_string(text);
    free(text);
    return s;
}

static bool stderr_says_out_of_memory(const rbx_language *lang, const rbx_sandbox_result *res)
{
    if (!lang->memory_errors || !res->stderr_buf)
        return false;
    for (size_t i = 0; lang->memory_errors[i]; i++)
        if (memmem(res->stderr_buf, res->stderr_len, lang->memory_errors[i],
                   strlen(lang->memory_errors[i])))
            return true;
    return false;
}

const char *rbx_status_of_run(const rbx_language *lang, const rbx_sandbox_result *res)
{
    switch (res->status) {
    case RBX_SANDBOX_OK:
        return "success";
    case RBX_SANDBOX_RUNTIME_ERROR:
        return stderr_says_out_of_memory(lang, res) ? "memory_limit" : "runtime_error";
    case RBX_SANDBOX_TIME_LIMIT:
        return "time_limit";
    case RBX_SANDBOX_MEMORY_LIMIT:
        return "memory_limit";
    case RBX_SANDBOX_OUTPUT_LIMIT:
        return "output_limit";
    case RBX_SANDBOX_INTERNAL_ERROR:
        break;
    }
    return "internal_error";
}

bool rbx_run_is_compile_error(const rbx_language *lang, const rbx_sandbox_result *res)
{
    if (lang->compiled || !lang->syntax_error || res->status != RBX_SANDBOX_RUNTIME_ERROR ||
        !res->stderr_buf)
        return false;
    regex_t re;
    if (regcomp(&re, lang->syntax_error, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool hit = regexec(&re, res->stderr_buf, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

json_object *rbx_language_ref_json(const rbx_language *lang, const char *version)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(lang->id));
    json_object_object_add(o, "version", json_object_new_string(version ? version : "unknown"));
    return o;
}

/* Wall seconds with millisecond precision, printed as such ("0.021"). */
static json_object *seconds_json(uint64_t ms)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu.%03llu", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
    return json_object_new_double_s((double)ms / 1000.0, text);
}

/* The compiler's message: its stderr, or stdout when stderr is empty (tsc
 * and javac print diagnostics on stdout), plus why the sandbox stopped it. */
static char *compile_message(const rbx_sandbox_result *c, size_t *len)
{
    const char *src = c->stderr_len ? c->stderr_buf : c->stdout_buf;
    size_t n = c->stderr_len ? c->stderr_len : c->stdout_len;
    char *out = NULL;
    if (c->status != RBX_SANDBOX_OK && c->status != RBX_SANDBOX_RUNTIME_ERROR && c->message[0]) {
        int m = asprintf(&out, "%.*s%scompilation stopped: %s\n", (int)n, src ? src : "",
                         n && src[n - 1] != '\n' ? "\n" : "", c->message);
        *len = m < 0 ? 0 : (size_t)m;
        return m < 0 ? NULL : out;
    }
    out = malloc(n + 1);
    if (out) {
        memcpy(out, src ? src : "", n);
        out[n] = '\0';
    }
    *len = out ? n : 0;
    return out;
}

static json_object *compile_json(const rbx_outcome *o, const char *msg, size_t msg_len, bool b64)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "status",
                           json_object_new_string(o->compile_failed ? "error" : "success"));
    json_object_object_add(c, "output", rbx_output_json(msg, msg_len, b64));
    json_object_object_add(
        c, "time_ms", json_object_new_int64(o->compile ? (int64_t)o->compile->wall_time_ms : 0));
    json_object_object_add(c, "cached", json_object_new_boolean(o->compile_cached));
    return c;
}

/* A sentence on why a run did not succeed, or NULL. */
static char *run_details(const char *status, const rbx_sandbox_result *r)
{
    char *out = NULL, sig[32];
    if (strcmp(status, "success") == 0)
        return NULL;
    if (r->message[0])
        return strdup(r->message);
    if (strcmp(status, "memory_limit") == 0)
        return strdup("the program ran out of memory");
    if (r->signal > 0 &&
        asprintf(&out, "killed by %s", rbx_signal_name(r->signal, sig, sizeof(sig))) >= 0)
        return out;
    if (asprintf(&out, "exited with code %d", r->exit_code) >= 0)
        return out;
    return NULL;
}

static void add_run_fields(json_object *resp, const rbx_sandbox_result *r, bool b64)
{
    static const rbx_sandbox_result none = {.exit_code = -1};
    bool ran = r != NULL;
    char sig[32];
    if (!r)
        r = &none;
    const char *signame = rbx_signal_name(r->signal, sig, sizeof(sig));
    json_object_object_add(resp, "output", rbx_output_json(r->stdout_buf, r->stdout_len, b64));
    json_object_object_add(
        resp, "error", r->stderr_len ? rbx_output_json(r->stderr_buf, r->stderr_len, b64) : NULL);
    json_object_object_add(resp, "exit_code",
                           ran && r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
    json_object_object_add(resp, "signal", signame ? json_object_new_string(signame) : NULL);
    json_object_object_add(resp, "execution_time", seconds_json(r->wall_time_ms));
    json_object_object_add(resp, "cpu_time_ms", json_object_new_int64((int64_t)r->cpu_time_ms));
    json_object_object_add(resp, "wall_time_ms", json_object_new_int64((int64_t)r->wall_time_ms));
    json_object_object_add(resp, "memory_kb", json_object_new_int64((int64_t)r->memory_kb));
    json_object_object_add(resp, "truncated", json_object_new_boolean(r->truncated));
}

json_object *rbx_response_execute(const rbx_request *req, const rbx_outcome *o)
{
    bool b64 = req->base64;
    json_object *resp = json_object_new_object();
    size_t msg_len = 0;
    char *msg = o->compile_failed && o->compile ? compile_message(o->compile, &msg_len) : NULL;
    const char *status = o->compile_failed ? "compile_error"
                         : o->run          ? rbx_status_of_run(req->lang, o->run)
                                           : "internal_error";
    if (o->compile && o->compile->status == RBX_SANDBOX_INTERNAL_ERROR)
        status = "internal_error";
    json_object_object_add(resp, "id", json_object_new_string(o->run_id ? o->run_id : ""));
    json_object_object_add(resp, "status", json_object_new_string(status));
    add_run_fields(resp, o->compile_failed ? NULL : o->run, b64);
    if (o->compile_failed) /* "error" is the compiler's message */
        json_object_object_add(resp, "error", rbx_output_json(msg, msg_len, b64));
    json_object_object_add(resp, "compile", compile_json(o, msg, msg_len, b64));
    json_object_object_add(resp, "results", NULL);
    json_object_object_add(resp, "all_passed", NULL);
    char *details = o->compile_failed ? (msg ? strdup(msg) : NULL)
                    : o->run          ? run_details(status, o->run)
                                      : NULL;
    json_object_object_add(resp, "error_details",
                           details ? rbx_output_json(details, strlen(details), b64) : NULL);
    json_object_object_add(resp, "language", rbx_language_ref_json(req->lang, o->version));
    free(details);
    free(msg);
    return resp;
}

json_object *rbx_response_validate(const rbx_request *req, const char *version,
                                   const rbx_sandbox_result *check)
{
    json_object *resp = json_object_new_object();
    bool valid = check->status == RBX_SANDBOX_OK;
    size_t len = 0;
    char *out = NULL;
    /* Diagnostics may come on either stream (tsc and javac use stdout). */
    if (asprintf(&out, "%.*s%.*s", (int)check->stdout_len,
                 check->stdout_buf ? check->stdout_buf : "", (int)check->stderr_len,
                 check->stderr_buf ? check->stderr_buf : "") >= 0)
        len = strlen(out);
    char *repaired = out ? rbx_utf8_repair(out, len) : NULL;
    json_object_object_add(resp, "valid", json_object_new_boolean(valid));
    json_object_object_add(resp, "status",
                           json_object_new_string(valid ? "success"
                                                  : check->status == RBX_SANDBOX_INTERNAL_ERROR
                                                      ? "internal_error"
                                                      : "compile_error"));
    json_object_object_add(resp, "diagnostics",
                           rbx_diagnostics_parse(req->lang->diagnostics, repaired ? repaired : ""));
    json_object_object_add(resp, "output", rbx_output_json(out, len, req->base64));
    json_object_object_add(resp, "language", rbx_language_ref_json(req->lang, version));
    free(repaired);
    free(out);
    return resp;
}
