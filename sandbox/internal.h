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
#include <unistd.h>

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

/* Close *fd if open and mark it closed. */
static inline void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Set e (no allocation, async-signal-safe enough for a cloned child); returns -1. */
int child_fail(child_error *e, int err, const char *what, const char *arg);

/* ---- settings.c: process-wide settings from rbx_sandbox_init ---- */
typedef struct sandbox_settings {
    uint32_t uid_base, uid_count;
    char run_dir[256]; /* slot locks and the box root mount point live here */
    char root_mountpoint[300];
    bool rootless;
    int box_init_fd; /* runbox-box-init, opened once: exec'd by fd, no path lookup per box */
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
    int v1_dir[4];    /* v1: index in path of the memory, pids, cpu and cpuacct dirs */
    int cpu_usage_fd; /* cpuacct.usage (v1) or cpu.stat (v2), kept open for the timer */
} box_cgroup;
/* Once per process, before any box: choose v2, v1 or none, and on v2 set up
 * the delegated layout (cgroup_v2.c). -1 with err when a delegated v2 cgroup
 * cannot be used (a missing controller, other processes in it). */
int cgroup_prepare(rbx_error *err);
cgroup_mode cgroup_detect(void);
/* The cgroup the boxes go under and the controllers used there ("" for none). */
void cgroup_describe(char *dir, size_t dirlen, char *controllers, size_t ctllen);
const char *cgroup_mode_name(cgroup_mode m);
/* The box's cgroup without limits (a box is built before its run is known);
 * cgroup_set_limits sets the run's. */
int cgroup_create(box_cgroup *cg, rbx_error *err);
int cgroup_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err);
int cgroup_attach(const box_cgroup *cg, pid_t pid, rbx_error *err);
int cgroup_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_peak_memory_kb(const box_cgroup *cg);
bool cgroup_oom_killed(const box_cgroup *cg);
void cgroup_kill_all(const box_cgroup *cg);
void cgroup_destroy(box_cgroup *cg);
int cgroup_cleanup_stale(rbx_error *err);
/* cgroup_v1.c / cgroup_v2.c */
int cgroup_v1_create(box_cgroup *cg, const char *leaf, rbx_error *err);
int cgroup_v1_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err);
int cgroup_v1_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_v1_peak_memory_kb(const box_cgroup *cg);
bool cgroup_v1_oom_killed(const box_cgroup *cg);
int cgroup_v1_cleanup_stale(void);
bool cgroup_v1_usable(void);
void cgroup_v1_describe(char *dir, size_t dirlen);
int cgroup_v2_create(box_cgroup *cg, const char *leaf, rbx_error *err);
int cgroup_v2_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err);
int cgroup_v2_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns);
uint64_t cgroup_v2_peak_memory_kb(const box_cgroup *cg);
bool cgroup_v2_oom_killed(const box_cgroup *cg);
void cgroup_v2_kill(const box_cgroup *cg);
int cgroup_v2_cleanup_stale(void);
/* 1: v2 in use (layout ready), 0: not delegated to us (try v1), -1: err. */
int cgroup_v2_prepare(rbx_error *err);
const char *cgroup_v2_boxes_parent(void);
/* Shared helpers (cgroup.c) */
int cgroup_write_file(const char *dir, const char *file, const char *value, rbx_error *err);
int cgroup_read_u64(const char *dir, const char *file, uint64_t *value);
int cgroup_own_path(const char *controller, char *out, size_t outlen);
void cgroup_forget_own(void); /* after moving ourselves: read /proc/self/cgroup again */
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

/* ---- network.c: the box's network namespace and its loopback ---- */
/* In the child: lo up (already up is fine). */
int network_loopback_up(child_error *e);
/* In a service's supervisor, around the clone of a box init: switch this
 * thread into the namespace its process's boxes share (false: none can be
 * made, clone with a namespace of the box's own), and back. */
bool network_shared_enter(void);
void network_shared_leave(void);

/* ---- credentials.c: drop to the box uid with no capabilities (in the program child) ---- */
int credentials_drop(bool rootless, child_error *e);
/* In the init, before the launch: the program inherits an empty bounding set. */
int credentials_empty_bounding_set(child_error *e);

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

/* ---- fd_passing.c: a message with descriptors (SCM_RIGHTS), at most 2 ---- */
ssize_t fd_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);
/* The message's length, 0 at EOF, -1 (EPROTO: no descriptors, or more than
 * max_fds); *n_fds received, close-on-exec. */
ssize_t fd_receive(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds);

/* ---- launch.c: what a run asks of a built box, sent at launch ----
 * The init is built before the run is known (a box is built ahead while the
 * previous program runs), so the program's argv, envp, cwd and limits reach
 * it in a message: the strings in a sealed memfd, stdin as an fd. */
typedef struct program_args {
    char **argv, **envp; /* envp: cfg's, or PATH only */
    const char *cwd;     /* cfg's, or /box */
    rbx_sandbox_limits limits;
    int stdin_fd; /* -1: /dev/null */
    void *map;
    size_t map_len;
} program_args;
/* Supervisor: send the launch message for cfg with limits lim and stdin_fd (-1 = none). */
int launch_send(int sync_fd, const rbx_sandbox_config *cfg, const rbx_sandbox_limits *lim,
                int stdin_fd, rbx_error *err);
/* Init: wait for it; 1 with *a filled, 0 when the supervisor closed the socket
 * (the box is discarded unused), -1 with e set. No allocation. */
int launch_receive(int sync_fd, program_args *a, child_error *e);

/* ---- box_init.c: pid 1 of the box ---- */
typedef struct box_plan {
    const char *hostname;
    mount_plan mounts;
    bool rootless;
    bool have_cgroup;
    int sync_fd;       /* a socket: the supervisor says "maps ready", then sends the
                        * launch message; the init sends "built" back, and the /box
                        * tmpfs first when it made it (share_box_fs) */
    bool share_box_fs; /* rootless: make /box's tmpfs and send it */
    int report_fd;     /* write: child_report messages */
    int stdout_fd, stderr_fd;
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
/* Report a set-up failure to the supervisor and exit. */
_Noreturn void box_init_failed(const box_plan *plan, const child_error *e);

/* ---- clone3.c: the init cloned straight into its box cgroup ---- */
/* clone(fn, stack + stack_size, flags, arg, pidfd) with CLONE_INTO_CGROUP
 * cgroup_fd (a v2 cgroup directory): the pid, or -1 with errno (ENOSYS
 * where clone3 or this wrapper is not there, EINVAL before Linux 5.7). */
pid_t clone3_into_cgroup(uint64_t flags, int cgroup_fd, int *pidfd, void *stack, size_t stack_size,
                         int (*fn)(void *), void *arg);

/* ---- box_build.c: a box built up to the point where a program can start ----
 * Everything a box needs that does not depend on the program: uid slot,
 * namespaces, filesystem, cgroup (limits come at launch). What it was built
 * with is its shape: a box built ahead fits a run of the same shape. */
#define BOX_MAX_EXTRA_MOUNTS 64 /* runbox-box-init takes them on its command line */
typedef struct box_shape {
    uint64_t tmp_size_kb, box_size_kb;
    char hostname[65];
    const rbx_sandbox_mount *mounts; /* only read-only ones are built ahead */
    size_t n_mounts;
} box_shape;
typedef struct built_box {
    box_shape shape;
    uid_slot slot;
    box_cgroup cg;
    int box_fs_fd;                 /* the /box tmpfs, also open here for copying in and back */
    int sync_fd;                   /* our end of the init's socket; closed once launched */
    int report_fd, out_fd, err_fd; /* read ends */
    pid_t init_pid;
    int pidfd;
    pid_t owner;             /* the process that cloned the init: only it can wait for it */
    bool cloned_into_cgroup; /* clone3 put the init in cg: no cgroup.procs write */
    bool rootless;
    uint64_t files_kb; /* what copying the work dir in put in /box: the box's memory too */
} built_box;
int box_build(built_box *bb, const box_shape *shape, rbx_error *err);
/* Copy workdir_fd in (-1: none), set the cgroup limits, wait until the init
 * has built the box, take the CPU baseline and send the launch message.
 * 0 when launched, 1 when the init died first (its report says why), 2 when
 * the files copied in alone fill the memory limit (nothing launched: the run
 * is memory_limit), -1 on error. */
int box_launch(built_box *bb, const rbx_sandbox_config *cfg, const rbx_sandbox_limits *lim,
               int workdir_fd, int stdin_fd, uint64_t *cpu_base_ns, rbx_error *err);
/* The init has exited and was waited for: release what the box held. */
void box_release(built_box *bb);
/* Kill the init if it still runs, wait for it and release the box. */
void box_destroy(built_box *bb);

/* ---- box_keep.c: the box built ahead, and finished boxes whose init is exiting ---- */
/* A box of this shape: the one built ahead when it fits, else a new one. */
int box_take(const box_shape *shape, built_box *bb, rbx_error *err);
/* Build the next box now, when keeping one built ahead. */
void box_build_ahead(const box_shape *shape);
/* A run is over: release the box now if its init is gone, else once it is
 * (a service: after its answer, rbx_sandbox_idle()). */
void box_retire(built_box *bb);
/* Boxes run one after another in this process, kept built ahead (a service). */
bool box_keep_is_service(void);

/* ---- status.c: verdict from what happened ---- */
typedef struct run_facts {
    bool setup_failed, exec_failed, got_exit;
    int wait_status;
    bool cpu_limit_hit, wall_limit_hit, output_limit_hit, oom;
    bool client_gone; /* the watched client hung up: the run was stopped for it */
} run_facts;
void status_decide(const run_facts *f, rbx_sandbox_result *r);

#endif
