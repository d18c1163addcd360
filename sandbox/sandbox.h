/* The sandbox: run one untrusted program in a fresh box (DESIGN.md section 2).
 *
 * One call to rbx_sandbox_run() = one box: new user, pid, mount, net, ipc, uts
 * and cgroup namespaces; pivot_root into a tmpfs root with read-only runtime
 * mounts; an unprivileged uid; no capabilities; no_new_privs; a seccomp filter;
 * cgroup (v2, else v1, else rlimit) limits; CPU and wall timers. The call
 * returns when every process the program started is gone. The box's init
 * (pid 1) may still be exiting then: the namespace teardown is left off the
 * caller's path, and the box's cgroup and uid slot are released once the
 * init has exited, at the next call or in rbx_sandbox_release_finished().
 * With rbx_sandbox_build_ahead(true), the next box is built ahead, in
 * rbx_sandbox_idle() or while a program runs. Before the process exits, rbx_sandbox_shutdown()
 * (also registered with atexit) leaves nothing behind.
 *
 * Thread-safety: rbx_sandbox_run() may be called from several processes at
 * once; each box gets its own uid slot and cgroup. It forks, so call it from a
 * process that can take SIGCHLD for its own children (it does not touch the
 * caller's signal handlers). */
#ifndef RBX_SANDBOX_H
#define RBX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum rbx_sandbox_status {
    RBX_SANDBOX_OK = 0,         /* exited with status 0 */
    RBX_SANDBOX_RUNTIME_ERROR,  /* non-zero exit or killed by a signal we did not send */
    RBX_SANDBOX_TIME_LIMIT,     /* CPU or wall time limit reached */
    RBX_SANDBOX_MEMORY_LIMIT,   /* the cgroup's OOM killer fired (or memory rlimit hit) */
    RBX_SANDBOX_OUTPUT_LIMIT,   /* stdout+stderr went over output_bytes, or a file over file_size */
    RBX_SANDBOX_INTERNAL_ERROR, /* the box could not be set up; see message */
    RBX_SANDBOX_CANCELLED,      /* stopped because the watched client went away */
} rbx_sandbox_status;

/* "ok", "runtime_error", "time_limit", "memory_limit", "output_limit",
 * "internal_error", "cancelled" */
const char *rbx_sandbox_status_name(rbx_sandbox_status s);

typedef struct rbx_sandbox_limits {
    uint64_t cpu_time_ms;     /* all processes of the run together; 0 = none */
    uint64_t wall_time_ms;    /* 0 = none */
    uint64_t memory_kb;       /* cgroup memory.max, swap 0; 0 = none */
    uint64_t processes;       /* pids.max: processes and threads; 0 = none */
    uint64_t output_bytes;    /* stdout + stderr captured, beyond it: output_limit; 0 = 64 KiB */
    uint64_t file_size_kb;    /* RLIMIT_FSIZE; 0 = same as tmp_size_kb */
    uint64_t open_files;      /* RLIMIT_NOFILE; 0 = 256 */
    uint32_t cpu_share_milli; /* cpu.max quota as thousandths of one core; 0 = no cap */
    uint64_t tmp_size_kb;     /* size of /tmp; 0 = 64 MiB */
    uint64_t box_size_kb;     /* size of /box, always a tmpfs; 0 = same as tmp_size_kb */
} rbx_sandbox_limits;

/* An extra host directory made visible in the box, read-only unless writable. */
typedef struct rbx_sandbox_mount {
    const char *host_path; /* absolute host path */
    const char *box_path;  /* absolute path inside the box */
    bool writable;
} rbx_sandbox_mount;

typedef struct rbx_sandbox_config {
    const char *const *argv; /* argv[0] is resolved with PATH from envp inside the box */
    const char *const *envp; /* the whole environment of the program; NULL = PATH only */
    /* Host dir that is the box's /box, read-write. /box is a tmpfs capped at
     * box_size_kb: the dir's regular files and directories are copied in
     * before the program starts, and after it ends what the box changed
     * (regular files and directories only; never symlinks, devices, FIFOs or
     * files with several links) is copied back, files it removed are removed.
     * Nothing of the host is ever mounted in the box, so the dir and its
     * parents need not be open to the box's uid. NULL = empty /box. */
    const char *workdir;
    const char *cwd;        /* working directory inside the box; NULL = /box */
    const char *stdin_data; /* bytes fed to stdin (may be NULL: /dev/null) */
    size_t stdin_len;
    rbx_sandbox_limits limits;
    const rbx_sandbox_mount *mounts; /* extra mounts, e.g. a runtime outside /usr */
    size_t n_mounts;
    const char *hostname;          /* default "runbox" */
    bool allow_threads_over_limit; /* unused by default; reserved */
    /* With a workdir: do not copy /box back after the run (a caller that only
     * wants the output, e.g. running a program compiled earlier). */
    bool discard_workdir_changes;
    /* Another run follows this one at once (a compile step, test cases):
     * with rbx_sandbox_build_ahead on, build its box while this program
     * runs. Otherwise the next box is built in rbx_sandbox_idle(), off the
     * program's time: on a small machine a box built meanwhile slows it. */
    bool build_next_during_run;
} rbx_sandbox_config;

typedef struct rbx_sandbox_result {
    rbx_sandbox_status status;
    int exit_code; /* valid when the program exited; -1 otherwise */
    int signal;    /* terminating signal number, 0 when none */
    bool oom_killed;
    bool truncated; /* output was cut at output_bytes */
    bool cpu_limit_hit, wall_limit_hit;
    bool exec_failed; /* PROGRAM could not be executed in the box (message says why; exit_code 127
                       * when there is no such program, 126 when it cannot be executed)
                       */
    uint64_t cpu_time_ms; /* user + system of every process of the run */
    uint64_t wall_time_ms;
    uint64_t memory_kb; /* peak */
    char *stdout_buf;   /* NUL-terminated for convenience; may contain NULs: use the lengths */
    size_t stdout_len;
    char *stderr_buf;
    size_t stderr_len;
    char message[256]; /* why, for internal_error and limit verdicts */
} rbx_sandbox_result;

/* Run one program. Returns 0 when a result could be produced (whatever the
 * program did; status says how it ended), -1 with err set when it could not.
 * On success the caller owns result's buffers: free with rbx_sandbox_result_free. */
int rbx_sandbox_run(const rbx_sandbox_config *cfg, rbx_sandbox_result *result, rbx_error *err);

void rbx_sandbox_result_free(rbx_sandbox_result *result);

/* What isolation this host gives, for GET /health. */
typedef struct rbx_sandbox_caps {
    bool userns;                 /* user namespaces usable */
    bool rootless;               /* running without root: boxes map to our own uid */
    const char *cgroup;          /* "v2", "v1" or "none" (rlimits only) */
    char cgroup_dir[512];        /* where the boxes' cgroups go; "" for none */
    char cgroup_controllers[64]; /* the controllers used there, e.g. "memory pids cpu" */
    bool seccomp;
} rbx_sandbox_caps;

int rbx_sandbox_probe(rbx_sandbox_caps *caps, rbx_error *err);

/* At a service's start, before it forks the processes that run boxes: choose
 * the cgroup version and, on cgroup v2, take the delegated layout (this
 * process moves into <its cgroup>/supervisor, boxes go under
 * <its cgroup>/runbox with memory, pids and cpu). -1 with err when the
 * delegated cgroup lacks one of those controllers or holds other processes.
 * Runs without it do the same at their first box. */
int rbx_sandbox_cgroup_setup(rbx_error *err);

/* Process-wide settings, read once before the first run (from the config file).
 * Fields left 0/NULL keep the defaults. */
typedef struct rbx_sandbox_settings {
    uint32_t uid_base;   /* first host uid of the box range when root (default 200000) */
    uint32_t uid_count;  /* size of that range (default 1024) */
    const char *run_dir; /* where uid slot locks and per-box temp dirs live (default
                            /run/runbox-sandbox or $XDG_RUNTIME_DIR/runbox) */
} rbx_sandbox_settings;

int rbx_sandbox_init(const rbx_sandbox_settings *settings, rbx_error *err);

/* Keep one box built ahead (in this process): for a process that runs boxes
 * one after another, e.g. a service worker. Off by default; off discards it. */
void rbx_sandbox_build_ahead(bool enabled);

/* Wait for the inits of finished boxes and release their cgroups and uid
 * slots. */
void rbx_sandbox_release_finished(void);

/* Between runs (a service calls it once it has answered): release finished
 * boxes, then, with build-ahead on, build the next box in the last run's shape. */
void rbx_sandbox_idle(void);

/* Release everything this process holds: the box built ahead, finished boxes. */
void rbx_sandbox_shutdown(void);

/* Remove what boxes of a previous, killed supervisor left (cgroups, temp dirs).
 * Safe to call at every service start. */
int rbx_sandbox_cleanup_stale(rbx_error *err);

/* Stop this process's runs when fd's peer hangs up (a FastCGI connection
 * nginx closes because its client went away), so that nobody's run holds a
 * sandbox for nothing; -1 watches nothing. */
void rbx_sandbox_watch_client(int fd);

#endif
