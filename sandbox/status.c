/* The verdict of a run, from what the supervisor saw. Order matters: an
 * output flood or the OOM killer explains a death better than the time it
 * took, and a limit we enforced explains the SIGKILL we sent. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sandbox/internal.h"

static void set_message(rbx_sandbox_result *r, const char *text)
{
    if (r->message[0] == '\0')
        snprintf(r->message, sizeof(r->message), "%s", text);
}

static void record_exit(const run_facts *f, rbx_sandbox_result *r)
{
    if (!f->got_exit) {
        /* The init was killed before it could report: by us at a limit, or by the OOM killer. */
        r->exit_code = -1;
        r->signal = SIGKILL;
        return;
    }
    if (WIFEXITED(f->wait_status)) {
        r->exit_code = WEXITSTATUS(f->wait_status);
        r->signal = 0;
    } else if (WIFSIGNALED(f->wait_status)) {
        r->exit_code = -1;
        r->signal = WTERMSIG(f->wait_status);
    }
}

void status_decide(const run_facts *f, rbx_sandbox_result *r)
{
    r->oom_killed = f->oom;
    r->cpu_limit_hit = f->cpu_limit_hit;
    r->wall_limit_hit = f->wall_limit_hit;
    if (f->setup_failed) {
        r->status = RBX_SANDBOX_INTERNAL_ERROR;
        r->exit_code = -1;
        set_message(r, "the box could not be set up");
        return;
    }
    if (f->client_gone) {
        r->status = RBX_SANDBOX_CANCELLED;
        set_message(r, "the client went away; the run was stopped");
        return;
    }
    record_exit(f, r);
    bool xcpu = r->signal == SIGXCPU, xfsz = r->signal == SIGXFSZ;
    if (f->output_limit_hit || xfsz) {
        r->status = RBX_SANDBOX_OUTPUT_LIMIT;
        set_message(r, xfsz ? "file size limit exceeded" : "output limit exceeded");
    } else if (f->oom) {
        r->status = RBX_SANDBOX_MEMORY_LIMIT;
        set_message(r, "memory limit exceeded (out-of-memory killer)");
    } else if (f->cpu_limit_hit || xcpu) {
        r->status = RBX_SANDBOX_TIME_LIMIT;
        r->cpu_limit_hit = true;
        set_message(r, "CPU time limit exceeded");
    } else if (f->wall_limit_hit) {
        r->status = RBX_SANDBOX_TIME_LIMIT;
        set_message(r, "wall time limit exceeded");
    } else if (f->exec_failed) {
        r->status = RBX_SANDBOX_RUNTIME_ERROR;
    } else if (!f->got_exit) {
        r->status = RBX_SANDBOX_INTERNAL_ERROR;
        set_message(r, "the box ended without reporting the program's end");
    } else if (r->signal == 0 && r->exit_code == 0) {
        r->status = RBX_SANDBOX_OK;
    } else {
        r->status = RBX_SANDBOX_RUNTIME_ERROR;
        if (r->signal)
            snprintf(r->message, sizeof(r->message), "killed by SIG%s", sigabbrev_np(r->signal));
        else
            snprintf(r->message, sizeof(r->message), "exited with status %d", r->exit_code);
    }
}
