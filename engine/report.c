/* The typed report (report.h): verdicts, owned bytes, and the one verdict
 * function over a sandbox result. */
#include "engine/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[] = {
    [RBX_VERDICT_SUCCESS] = "success",
    [RBX_VERDICT_WRONG_ANSWER] = "wrong_answer",
    [RBX_VERDICT_RUNTIME_ERROR] = "runtime_error",
    [RBX_VERDICT_OUTPUT_LIMIT] = "output_limit",
    [RBX_VERDICT_MEMORY_LIMIT] = "memory_limit",
    [RBX_VERDICT_TIME_LIMIT] = "time_limit",
    [RBX_VERDICT_INTERNAL_ERROR] = "internal_error",
    [RBX_VERDICT_CANCELLED] = "cancelled",
    [RBX_VERDICT_NOT_RUN] = "not_run",
    [RBX_VERDICT_COMPILE_ERROR] = "compile_error",
};

#define N_VERDICTS (sizeof(verdict_names) / sizeof(verdict_names[0]))

const char *rbx_verdict_name(rbx_verdict v)
{
    return (size_t)v < N_VERDICTS ? verdict_names[v] : "internal_error";
}

int rbx_verdict_parse(const char *name, rbx_verdict *out)
{
    for (size_t i = 0; name && i < N_VERDICTS; i++)
        if (strcmp(verdict_names[i], name) == 0) {
            *out = (rbx_verdict)i;
            return 0;
        }
    return -1;
}

int rbx_bytes_set(rbx_bytes *b, const char *buf, size_t len)
{
    b->data = NULL;
    b->len = 0;
    if (!buf)
        return 0;
    b->data = malloc(len + 1);
    if (!b->data)
        return -1;
    memcpy(b->data, buf, len);
    b->data[len] = '\0';
    b->len = len;
    return 0;
}

void rbx_bytes_free(rbx_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

static bool stderr_says_out_of_memory(const rbx_language *lang, const rbx_sandbox_result *res)
{
    if (!lang || !lang->memory_errors || !res->stderr_buf)
        return false;
    for (size_t i = 0; lang->memory_errors[i]; i++)
        if (memmem(res->stderr_buf, res->stderr_len, lang->memory_errors[i],
                   strlen(lang->memory_errors[i])))
            return true;
    return false;
}

rbx_verdict rbx_verdict_of_run(const rbx_language *lang, const rbx_sandbox_result *res)
{
    switch (res->status) {
    case RBX_SANDBOX_OK:
        return RBX_VERDICT_SUCCESS;
    case RBX_SANDBOX_RUNTIME_ERROR:
        return stderr_says_out_of_memory(lang, res) ? RBX_VERDICT_MEMORY_LIMIT
                                                    : RBX_VERDICT_RUNTIME_ERROR;
    case RBX_SANDBOX_TIME_LIMIT:
        return RBX_VERDICT_TIME_LIMIT;
    case RBX_SANDBOX_MEMORY_LIMIT:
        return RBX_VERDICT_MEMORY_LIMIT;
    case RBX_SANDBOX_OUTPUT_LIMIT:
        return RBX_VERDICT_OUTPUT_LIMIT;
    case RBX_SANDBOX_CANCELLED:
        return RBX_VERDICT_CANCELLED;
    case RBX_SANDBOX_INTERNAL_ERROR:
        break;
    }
    return RBX_VERDICT_INTERNAL_ERROR;
}

void rbx_run_result_take(rbx_run_result *r, const rbx_language *lang, rbx_sandbox_result *res)
{
    memset(r, 0, sizeof(*r));
    r->ran = true;
    r->verdict = rbx_verdict_of_run(lang, res);
    r->out = (rbx_bytes){res->stdout_buf, res->stdout_len};
    r->err = (rbx_bytes){res->stderr_buf, res->stderr_len};
    r->out_truncated = r->err_truncated = res->truncated;
    r->cpu_ms = res->cpu_time_ms;
    r->wall_ms = res->wall_time_ms;
    r->memory_kb = res->memory_kb;
    r->exit_code = res->exit_code;
    r->signal = res->signal;
    snprintf(r->message, sizeof(r->message), "%s", res->message);
    res->stdout_buf = res->stderr_buf = NULL;
    res->stdout_len = res->stderr_len = 0;
}

void rbx_run_result_free(rbx_run_result *r)
{
    rbx_bytes_free(&r->out);
    rbx_bytes_free(&r->err);
}

int rbx_compile_message(const rbx_run_result *step, rbx_bytes *out)
{
    const rbx_bytes *src = step->err.len ? &step->err : &step->out;
    const char *text = src->data ? src->data : "";
    size_t n = src->data ? src->len : 0;
    bool stopped = step->verdict != RBX_VERDICT_SUCCESS &&
                   step->verdict != RBX_VERDICT_RUNTIME_ERROR && step->message[0];
    if (!stopped)
        return rbx_bytes_set(out, text, n);
    char *joined = NULL;
    int m = asprintf(&joined, "%.*s%scompilation stopped: %s\n", (int)n, text,
                     n && text[n - 1] != '\n' ? "\n" : "", step->message);
    if (m < 0)
        return -1;
    *out = (rbx_bytes){joined, (size_t)m};
    return 0;
}

void rbx_report_init(rbx_report *rep, const char *run_id, const rbx_language *lang,
                     const char *version)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->run_id, sizeof(rep->run_id), "%s", run_id ? run_id : "");
    rep->lang = lang;
    snprintf(rep->language, sizeof(rep->language), "%s", lang ? lang->id : "");
    snprintf(rep->version, sizeof(rep->version), "%s", version ? version : "");
    rep->run.exit_code = -1;
    rep->compile.result.exit_code = -1;
}

int rbx_report_failure(rbx_report *rep, const char *run_id, const char *language,
                       const char *message)
{
    rbx_report_init(rep, run_id, NULL, NULL);
    snprintf(rep->language, sizeof(rep->language), "%s", language ? language : "");
    rep->verdict = RBX_VERDICT_INTERNAL_ERROR;
    const char *m = message ? message : "";
    return rbx_bytes_set(&rep->failure, m, strlen(m));
}

rbx_case_report *rbx_report_add_case(rbx_report *rep, rbx_case_kind kind)
{
    rbx_case_report *grown = realloc(rep->cases, (rep->n_cases + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    rep->cases = grown;
    rbx_case_report *c = &rep->cases[rep->n_cases++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->run.exit_code = -1;
    return c;
}

static void case_free(rbx_case_report *c)
{
    rbx_run_result_free(&c->run);
    free(c->value_json);
    free(c->name);
    rbx_bytes_free(&c->message);
}

void rbx_report_free(rbx_report *rep)
{
    if (!rep)
        return;
    rbx_run_result_free(&rep->compile.result);
    rbx_bytes_free(&rep->compile.message);
    rbx_run_result_free(&rep->run);
    for (size_t i = 0; i < rep->n_cases; i++)
        case_free(&rep->cases[i]);
    free(rep->cases);
    rep->cases = NULL;
    rep->n_cases = 0;
    rbx_bytes_free(&rep->note);
    rbx_bytes_free(&rep->failure);
    rep->spec = NULL;
    if (rep->release)
        rep->release(rep->owner);
    rep->release = NULL;
    rep->owner = NULL;
}

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
