/* Internal interfaces between the sandbox's files; one section per file.
 *
 * The supervisor (box.c) prepares everything that needs privileges in the
 * host's namespaces (uid slot, cgroup, seccomp program, pipes), clones the box
 * init with every namespace flag, and supervises it. The box init (box_init.c)
 * builds the filesystem, network and hostname inside the new namespaces and
 * forks the program, which drops credentials (credentials.c), sets rlimits
 * (rlimits.c), loads the seccomp filter (seccomp.c) and execs.
 *
 * Code that runs in the cloned child must not allocate: the caller may be
 * multi-threaded and clone3 does not run fork handlers. Those functions take
 * a `child_error` buffer instead of an rbx_error. */
#ifndef RBX_SANDBOX_INTERNAL_H
#define RBX_SANDBOX_INTERNAL_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/error.h"
#include "sandbox/sandbox.h"

/* The uid inside the box, never 0. */
#define RBX_BOX_UID 1000
#define RBX_BOX_GID 1000

/* A failure inside the cloned child, sent to the supervisor over the report pipe. */
typedef struct child_error {
    int err;        /* errno, 0 when none */
    char what[160]; /* the step that failed */
} child_error;

/* Set e (no allocation, async-signal-safe enough for a cloned child); returns -1. */
int child_fail(child_error *e, int err, const char *what, const char *arg);

/* ---- settings.c: process-wide settings from rbx_sandbox_init ---- */
typedef struct sandbox_settings {
    uint32_t uid_base, uid_count;
    char run_dir[256]; /* slot locks and the box root mount point live here */
    char root_mountpoint[300];
    bool rootless;
} sandbox_settings;
const sandbox_settings *sandbox_settings_get(rbx_error *err);

/* ---- uid_slots.c: distinct host uids per concurrent box (root only) ---- */
typedef struct uid_slot {
    int lock_fd; /* flock'd while the box runs; -1 when rootless */
    uint32_t index;
    uid_t setup_uid; /* host uid of the box's root (inside uid 0): builds the box */
    uid_t box_uid;   /* host uid of the program (inside RBX_BOX_UID) */
    gid_t setup_gid, box_gid;
} uid_slot;
int uid_slot_acquire(const sandbox_settings *s, uid_slot *slot, rbx_error *err);
void uid_slot_release(uid_slot *slot);

/* ---- ns_user.c: uid/gid maps of the box's user namespace ---- */
int ns_user_write_maps(pid_t child, const uid_slot *slot, bool rootless, rbx_error *err);
/* In the child: become the namespace's root (root mode) or stay the box uid (rootless). */
int ns_user_become_setup_user(bool rootless, child_error *e);

/* ---- cgroup.c: limits and accounting of one box, v2 first, v1, none ---- */
typedef enum cgroup_mode { CGROUP_NONE = 0, CGROUP_V1, CGROUP_V2 } cgroup_mode;
typedef struct box_cgroup {
    cgroup_mode mode;
    char path[8][384]; /* v1: one dir per controller; v2: path[0] */
    int n_paths;
    int cpu_usage_fd; /* cpuacct.usage (v1) or cpu.stat (v2), kept open for the timer */
} box_cgroup;
cgroup_mode cgroup_detect(void);
const char *cgroup_mode_name(cgroup_mode m);
int cgroup_create(box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err);
int cgroup_attach(const box_cgroup *cg, pid_t pid, rbx_error *err);
int cgroup_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_peak_memory_kb(const box_cgroup *cg);
bool cgroup_oom_killed(const box_cgroup *cg);
void cgroup_kill_all(const box_cgroup *cg);
void cgroup_destroy(box_cgroup *cg);
int cgroup_cleanup_stale(rbx_error *err);
/* cgroup_v1.c / cgroup_v2.c */
int cgroup_v1_create(box_cgroup *cg, const char *leaf, const rbx_sandbox_limits *lim,
                     rbx_error *err);
int cgroup_v1_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_v1_peak_memory_kb(const box_cgroup *cg);
bool cgroup_v1_oom_killed(const box_cgroup *cg);
int cgroup_v1_cleanup_stale(void);
bool cgroup_v1_usable(void);
int cgroup_v2_create(box_cgroup *cg, const char *leaf, const rbx_sandbox_limits *lim,
                     rbx_error *err);
int cgroup_v2_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_v2_peak_memory_kb(const box_cgroup *cg);
bool cgroup_v2_oom_killed(const box_cgroup *cg);
void cgroup_v2_kill(const box_cgroup *cg);
int cgroup_v2_cleanup_stale(void);
bool cgroup_v2_usable(void);
/* Shared helpers (cgroup.c) */
int cgroup_write_file(const char *dir, const char *file, const char *value, rbx_error *err);
int cgroup_read_u64(const char *dir, const char *file, uint64_t *value);
int cgroup_own_path(const char *controller, char *out, size_t outlen);
void cgroup_remove_stale_boxes(const char *parent);
void cgroup_leaf_name(char *out, size_t outlen);

/* ---- mounts.c: the box's filesystem (in the child) ---- */
typedef struct mount_plan {
    const char *root_mountpoint;
    int box_fs_fd; /* the /box tmpfs (fsmount fd) to move in place; -1 = mount one */
    uint64_t box_size_kb;
    uint64_t tmp_size_kb;
    const rbx_sandbox_mount *extra;
    size_t n_extra;
} mount_plan;
/* Make / private, before anything is mounted. */
int mounts_prepare(child_error *e);
/* A detached tmpfs for /box owned by uid:gid (as the caller's user namespace
 * sees them), nosuid and nodev; returns its fd. Used by the supervisor in root
 * mode and by the box init in rootless mode. */
int mounts_new_box_fs(uint64_t size_kb, unsigned uid, unsigned gid, child_error *e);
int mounts_build_root(const mount_plan *plan, child_error *e);

/* ---- box_files.c: the work dir copied into /box and back (in the supervisor) ---- */
int box_files_copy_in(int host_dir, int box_dir, const uid_slot *slot, bool rootless,
                      uint64_t box_size_kb, rbx_error *err);
int box_files_copy_out(int box_dir, int host_dir, uint64_t box_size_kb, rbx_error *err);

/* ---- network.c: the isolated loopback (in the child) ---- */
int network_loopback_up(child_error *e);

/* ---- credentials.c: drop to the box uid with no capabilities (in the program child) ---- */
int credentials_drop(bool rootless, child_error *e);

/* ---- rlimits.c ---- */
int rlimits_apply(const rbx_sandbox_limits *lim, bool have_cgroup, child_error *e);

/* ---- seccomp.c: the filter, compiled at build time (or once per process) ---- */
int seccomp_program_get(const struct sock_fprog **prog, rbx_error *err);
/* Compile the policy now with libseccomp (prog->filter is malloc'd). */
int seccomp_program_compile(struct sock_fprog *prog, rbx_error *err);
int seccomp_program_load(const struct sock_fprog *prog, child_error *e);

/* ---- output.c: capture stdout/stderr with a byte cap ---- */
typedef struct output_buffer {
    char *data;
    size_t len, cap;
    int fd; /* read end, -1 once at EOF */
} output_buffer;
typedef struct output_capture {
    output_buffer out, err;
    size_t limit; /* stdout + stderr together */
    bool truncated;
} output_capture;
int output_init(output_capture *oc, int out_fd, int err_fd, size_t limit, rbx_error *err);
/* Read what is available from fd (one of oc's); returns 1 when the cap was crossed. */
int output_read_available(output_capture *oc, output_buffer *b, rbx_error *err);
void output_drain(output_capture *oc);
void output_free(output_capture *oc);
/* A sealed memfd holding the stdin bytes: reads never block the supervisor. */
int output_stdin_memfd(const char *data, size_t len, rbx_error *err);

/* ---- program_args.c: the program's argv, envp and cwd, out of the supervisor's memory ---- */
typedef struct program_args {
    char **argv, **envp; /* envp: cfg's, or PATH only */
    const char *cwd;     /* cfg's, or /box */
    void *map;
    size_t map_len;
} program_args;
int program_args_copy(const rbx_sandbox_config *cfg, program_args *a, child_error *e);

/* ---- box_init.c: pid 1 of the box ---- */
typedef struct box_plan {
    const rbx_sandbox_config *cfg;
    const rbx_sandbox_limits *limits; /* cfg's limits with defaults filled in */
    mount_plan mounts;
    bool rootless;
    bool have_cgroup;
    int sync_fd;       /* a socket: the supervisor says "maps ready", "go"; the init
                        * sends back the /box tmpfs when it made it (share_box_fs) */
    bool share_box_fs; /* rootless with a work dir: make /box's tmpfs and send it */
    int report_fd;     /* write: child_report messages */
    int stdin_fd, stdout_fd, stderr_fd;
    const struct sock_fprog *seccomp;
} box_plan;

enum { REPORT_SETUP_FAILED = 1, REPORT_EXEC_FAILED, REPORT_EXITED };
typedef struct child_report {
    int type;
    int wait_status;     /* REPORT_EXITED: the program's wait status */
    struct rusage usage; /* REPORT_EXITED: the program's and its reaped children's */
    child_error error;
} child_report;

_Noreturn void box_init_main(const box_plan *plan);

/* ---- status.c: verdict from what happened ---- */
typedef struct run_facts {
    bool setup_failed, exec_failed, got_exit;
    int wait_status;
    bool cpu_limit_hit, wall_limit_hit, output_limit_hit, oom;
} run_facts;
void status_decide(const run_facts *f, rbx_sandbox_result *r);

#endif
