/* The Judge0 and function-grading shapes that both runbox-fcgi (answers)
 * and runbox-worker (callbacks) write, over the run view. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/text.h"
#include "fcgi/dialects/shapes.h"

static const char *const STATUSES[] = {
    NULL,
    "In Queue",
    "Processing",
    "Accepted",
    "Wrong Answer",
    "Time Limit Exceeded",
    "Compilation Error",
    "Runtime Error (SIGSEGV)",
    "Runtime Error (SIGXFSZ)",
    "Runtime Error (SIGFPE)",
    "Runtime Error (SIGABRT)",
    "Runtime Error (NZEC)",
    "Runtime Error (Other)",
    "Internal Error",
    "Exec Format Error",
};
#define N_STATUSES (sizeof(STATUSES) / sizeof(STATUSES[0]))

const char *judge0_status_name(int id)
{
    return id > 0 && (size_t)id < N_STATUSES ? STATUSES[id] : "Internal Error";
}

size_t judge0_status_count(void)
{
    return N_STATUSES - 1;
}

int judge0_status_of(const rbx_run_view *v)
{
    const char *s = v->status ? v->status : "internal_error";
    if (strcmp(s, "success") == 0)
        return 3;
    if (strcmp(s, "wrong_answer") == 0)
        return 4;
    if (strcmp(s, "time_limit") == 0)
        return 5;
    if (strcmp(s, "compile_error") == 0)
        return 6;
    if (strcmp(s, "internal_error") == 0 || strcmp(s, "cancelled") == 0)
        return 13; /* Judge0 has no status for a run its client left */
    if (strcmp(s, "output_limit") == 0)
        return 8; /* Judge0 meets it as the file-size limit */
    switch (v->signal) {
    case 0:
        return 11;
    case SIGSEGV:
        return 7;
    case SIGXFSZ:
        return 8;
    case SIGFPE:
        return 9;
    case SIGABRT:
        return 10;
    default:
        return 12;
    }
}

void judge0_message_of(const rbx_run_view *v, int status, char *out, size_t outsz)
{
    const char *s = v->status ? v->status : "";
    char sig[32];
    out[0] = '\0';
    if (strcmp(s, "memory_limit") == 0)
        snprintf(out, outsz, "Memory limit exceeded (runbox: memory_limit)");
    else if (strcmp(s, "output_limit") == 0)
        snprintf(out, outsz, "Output limit exceeded (runbox: output_limit)");
    else if (status == 5)
        snprintf(out, outsz, "Time limit exceeded");
    else if (status == 11 && v->has_exit_code)
        snprintf(out, outsz, "Exited with error status %d", v->exit_code);
    else if (status >= 7 && status <= 12 && v->signal)
        snprintf(out, outsz, "Exited with signal %s", rbx_signal_name(v->signal, sig, sizeof(sig)));
}

/* Bytes as Judge0 answers them: base64 when asked, else UTF-8 (repaired);
 * empty is null, as Judge0 stores it. */
json_object *judge0_text(rbx_view_text t, bool base64)
{
    if (!t.data || !t.len)
        return NULL;
    char *s = base64 ? rbx_base64_encode(t.data, t.len) : rbx_utf8_repair(t.data, t.len);
    json_object *o = s ? json_object_new_string(s) : NULL;
    free(s);
    return o;
}

json_object *judge0_status_json(int id)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "id", json_object_new_int(id));
    json_object_object_add(s, "description", json_object_new_string(judge0_status_name(id)));
    return s;
}

/* Judge0's callback: a PUT of the submission's default fields, base64
 * encoded, as its workers send it. The job's native answer is base64
 * already (the dialect always asks for it). */
json_object *judge0_callback_json(json_object *native, const char *token)
{
    rbx_run_view v;
    char message[160], *enc;
    rbx_run_view_of_native(native, true, &v);
    int status = judge0_status_of(&v);
    judge0_message_of(&v, status, message, sizeof(message));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "stdout", judge0_text(v.out, true));
    json_object_object_add(o, "stderr", judge0_text(v.err, true));
    json_object_object_add(
        o, "compile_output",
        judge0_text(status == 6 ? v.compile_message : (rbx_view_text){NULL, 0}, true));
    enc = message[0] ? rbx_base64_encode(message, strlen(message)) : NULL;
    json_object_object_add(o, "message", enc ? json_object_new_string(enc) : NULL);
    free(enc);
    char t[32];
    snprintf(t, sizeof(t), "%.3f", (double)v.cpu_time_ms / 1000.0);
    json_object_object_add(o, "time", json_object_new_string(t));
    json_object_object_add(o, "memory", json_object_new_int64(v.memory_kb));
    json_object_object_add(o, "status", judge0_status_json(status));
    rbx_run_view_free(&v);
    return o;
}
