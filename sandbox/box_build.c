/* A box built up to the point where a program can start, and its release.
 *
 *   build    uid slot, the /box tmpfs (root mode), pipes, the init cloned
 *            with new user, pid, mount, net (a service's: one per process,
 *            network.c), ipc and uts namespaces and exec'd as
 *            runbox-box-init (box_init_exec.c), the
 *            uid/gid maps, "maps" to the init, the box's cgroup with the init
 *            in it; the init builds the filesystem meanwhile (in rootless
 *            mode it makes the /box tmpfs and sends it here)
 *   launch   the run's cgroup limits, the work dir copied into /box, "built"
 *            from the init, the CPU baseline, the launch message
 *   release  once the init has exited: cgroup removed, slot and fds freed;
 *            mounts never existed outside the box's mount namespace */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* The init's ends of the pipes and socket, kept here only until the clone. */
typedef struct init_ends {
    int sync_fd, report_fd, out_fd, err_fd;
} init_ends;

static int make_pipes(built_box *bb, init_ends *ends, rbx_error *err)
{
    int sync[2], report[2], out[2], err_pipe[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0)
        return rbx_error_errno(err, "socketpair");
    bb->sync_fd = sync[1];
    ends->sync_fd = sync[0];
    if (pipe2(report, O_CLOEXEC) != 0)
        return rbx_error_errno(err, "pipe");
    bb->report_fd = report[0];
    ends->report_fd = report[1];
    if (pipe2(out, O_CLOEXEC) != 0)
        return rbx_error_errno(err, "pipe");
    bb->out_fd = out[0];
    ends->out_fd = out[1];
    if (pipe2(err_pipe, O_CLOEXEC) != 0)
        return rbx_error_errno(err, "pipe");
    bb->err_fd = err_pipe[0];
    ends->err_fd = err_pipe[1];
    if (fcntl(bb->out_fd, F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(bb->err_fd, F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(bb->report_fd, F_SETFL, O_NONBLOCK) != 0)
        return rbx_error_errno(err, "fcntl O_NONBLOCK");
    return 0;
}

static void close_ends(init_ends *ends)
{
    close_fd(&ends->sync_fd);
    close_fd(&ends->report_fd);
    close_fd(&ends->out_fd);
    close_fd(&ends->err_fd);
}

/* Root mode: the supervisor makes /box's tmpfs itself (the box's user
 * namespace could not copy host files into one: host root is not mapped
 * there). Rootless: the box's init makes it and sends it (share_box_fs). */
static int make_box_fs(built_box *bb, const sandbox_settings *s, rbx_error *err)
{
    if (s->rootless)
        return 0;
    child_error e = {0};
    bb->box_fs_fd =
        mounts_new_box_fs(bb->shape.box_size_kb, bb->slot.box_uid, bb->slot.box_gid, &e);
    if (bb->box_fs_fd < 0) {
        errno = e.err;
        return rbx_error_errno(err, "%s", e.what);
    }
    return 0;
}

/* The init's command line (box_init_exec.c): its descriptors and the shape. */
typedef struct init_command {
    char numbers[8][24];
    char flags[4];
    const char *argv[11 + 3 * BOX_MAX_EXTRA_MOUNTS + 1];
} init_command;

static int init_argv(init_command *c, const built_box *bb, const init_ends *ends,
                     const sandbox_settings *s, rbx_error *err)
{
    const long long values[] = {ends->sync_fd,
                                ends->report_fd,
                                ends->out_fd,
                                ends->err_fd,
                                bb->box_fs_fd,
                                (long long)bb->shape.tmp_size_kb,
                                (long long)bb->shape.box_size_kb};
    size_t n = 0;
    c->argv[n++] = "runbox-box-init";
    for (size_t i = 0; i < 7; i++) {
        snprintf(c->numbers[i], sizeof(c->numbers[i]), "%lld", values[i]);
        c->argv[n++] = c->numbers[i];
        if (i == 4)
            c->argv[n++] = s->root_mountpoint;
    }
    c->argv[n++] = bb->shape.hostname;
    snprintf(c->flags, sizeof(c->flags), "%s%s", s->rootless ? "r" : "",
             bb->cg.mode != CGROUP_NONE ? "c" : "");
    c->argv[n++] = c->flags;
    if (bb->shape.n_mounts > BOX_MAX_EXTRA_MOUNTS)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "mounts", "more than %d extra mounts",
                               BOX_MAX_EXTRA_MOUNTS);
    for (size_t i = 0; i < bb->shape.n_mounts; i++) {
        c->argv[n++] = bb->shape.mounts[i].host_path;
        c->argv[n++] = bb->shape.mounts[i].box_path;
        c->argv[n++] = bb->shape.mounts[i].writable ? "rw" : "ro";
    }
    c->argv[n] = NULL;
    return 0;
}

typedef struct init_exec {
    const init_command *command;
    init_ends ends;
    int box_fs_fd, box_init_fd;
    bool rootless;
    int last_cap; /* the kernel's last capability, found here: the child must not fail a call */
    int exec_fd;  /* close-on-exec: its end tells the supervisor the exec happened */
} init_exec;

/* /proc/sys/kernel/cap_last_cap, read once per process. */
static int kernel_last_cap(void)
{
    static int last = -1;
    if (last < 0) {
        last = CAP_LAST_CAP;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (f) {
            if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
                last = CAP_LAST_CAP;
            fclose(f);
        }
    }
    return last;
}

/* Rootless: the init runs as RBX_BOX_UID, not root, inside its namespace
 * (one uid is all an unprivileged map can hold), and exec would clear its
 * capabilities; ambient capabilities survive exec. The program clears them
 * all again (credentials.c). */
static int keep_capabilities_across_exec(int last_cap)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return -1;
    data[0].inheritable = data[0].permitted;
    data[1].inheritable = data[1].permitted;
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -1;
    for (int cap = 0; cap <= last_cap; cap++)
        if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            return -1;
    return 0;
}

static _Noreturn void init_exec_failed(const init_exec *x, const char *what)
{
    child_report r = {.type = REPORT_SETUP_FAILED};
    child_fail(&r.error, errno, what, NULL);
    (void)!syscall(SYS_write, x->ends.report_fd, &r, sizeof(r));
    _exit(127);
}

/* The cloned child, sharing our memory (CLONE_VM) but not our descriptors,
 * until it execs runbox-box-init. It must wait for its uid/gid maps before
 * the exec, or exec would drop its capabilities in the new namespace; we do
 * not wait for it meanwhile (no CLONE_VFORK), so it uses raw system calls
 * and touches nothing of ours but what we keep for it until its exec
 * (box_build waits for that). */
static int exec_init(void *arg)
{
    const init_exec *x = arg;
    char maps;
    if (syscall(SYS_read, x->ends.sync_fd, &maps, 1) != 1)
        _exit(1); /* the supervisor gave up */
    child_error e;
    if (ns_user_become_setup_user(x->rootless, &e) != 0 ||
        (x->rootless && keep_capabilities_across_exec(x->last_cap) != 0))
        init_exec_failed(x, "become the box's root before exec");
    const int fds[] = {x->ends.sync_fd, x->ends.report_fd, x->ends.out_fd, x->ends.err_fd,
                       x->box_fs_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0 && syscall(SYS_fcntl, fds[i], F_SETFD, 0) != 0)
            init_exec_failed(x, "pass descriptors to runbox-box-init");
    static char *const no_env[] = {NULL};
    syscall(SYS_execveat, x->box_init_fd, "", x->command->argv, no_env, AT_EMPTY_PATH);
    init_exec_failed(x, "execute runbox-box-init");
}

#define INIT_STACK_SIZE (64 * 1024)

/* The v2 box cgroup made before the clone, for CLONE_INTO_CGROUP; -1 when
 * there is none (v1, none, or it cannot be opened: then it is attached to). */
static int box_cgroup_fd(const built_box *bb)
{
    if (bb->cg.mode != CGROUP_V2 || bb->cg.n_paths == 0)
        return -1;
    return open(bb->cg.path[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* x and the stack stay as they are until the child has exec'd
 * (wait_for_exec): the child reads them. */
static int clone_init(built_box *bb, init_exec *x, rbx_error *err)
{
    static void *stack; /* free again once the child has exec'd: one per process */
    if (!stack) {
        stack = mmap(NULL, INIT_STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED) {
            stack = NULL;
            return rbx_error_errno(err, "mmap a stack for the box init");
        }
    }
    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) != 0)
        return rbx_error_errno(err, "pipe");
    x->exec_fd = exec_pipe[0];
    /* No signal handler may run in the child on our memory. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    /* A service's boxes share its process's network namespace (network.c). */
    bool shared_net = box_keep_is_service() && network_shared_enter();
    int flags = CLONE_VM | CLONE_PIDFD | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
                CLONE_NEWUTS | SIGCHLD | (shared_net ? 0 : CLONE_NEWNET);
    int cgroup_fd = box_cgroup_fd(bb);
    pid_t pid = -1;
    if (cgroup_fd >= 0)
        pid = clone3_into_cgroup((uint64_t)flags, cgroup_fd, &bb->pidfd, stack, INIT_STACK_SIZE,
                                 exec_init, x);
    bb->cloned_into_cgroup = pid > 0;
    if (pid < 0) /* no clone3 here (ENOSYS, a seccomp filter) or no cgroup: attached later */
        pid = clone(exec_init, (char *)stack + INIT_STACK_SIZE, flags, x, &bb->pidfd);
    int saved = errno;
    if (shared_net)
        network_shared_leave();
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(exec_pipe[1]);
    if (cgroup_fd >= 0)
        close(cgroup_fd);
    if (pid < 0) {
        close_fd(&x->exec_fd);
        errno = saved;
        return rbx_error_errno(err, "clone with new namespaces");
    }
    bb->init_pid = pid;
    bb->owner = getpid();
    return 0;
}

/* Until the child has exec'd (or died): then its stack and x are free. */
static void wait_for_exec(init_exec *x)
{
    char byte;
    while (x->exec_fd >= 0 && read(x->exec_fd, &byte, 1) < 0 && errno == EINTR)
        ;
    close_fd(&x->exec_fd);
}

/* The /box tmpfs the rootless init sends; -1 when it died first (its report says why). */
static int receive_box_fs(built_box *bb)
{
    char byte;
    size_t n_fds;
    if (fd_receive(bb->sync_fd, &byte, 1, &bb->box_fs_fd, 1, &n_fds) != 1)
        bb->box_fs_fd = -1;
    return bb->box_fs_fd;
}

/* One byte to the init; false when it is gone (its report says why). */
static bool tell_box(built_box *bb, char what)
{
    ssize_t n;
    do
        n = send(bb->sync_fd, &what, 1, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

/* The box's cgroup. Stale boxes of a dead supervisor are looked for once
 * per process (per pid: a pre-forking service's workers each start afresh). */
static int create_cgroup(built_box *bb, rbx_error *err)
{
    static pid_t cleaned_by;
    if (cleaned_by != getpid()) {
        cgroup_cleanup_stale(err);
        cleaned_by = getpid();
    }
    return cgroup_create(&bb->cg, err);
}

/* On v2 the cgroup is made before the clone, which puts the init in it
 * (CLONE_INTO_CGROUP): no migration afterwards, and the init is never
 * outside its box. v1 has no such clone: its cgroups are made after it. */
static int cgroup_before_clone(built_box *bb, rbx_error *err)
{
    return bb->cg.mode == CGROUP_V2 ? create_cgroup(bb, err) : 0;
}

/* The init in its cgroup before it builds anything, unless clone3 already
 * put it there. */
static int make_cgroup(built_box *bb, rbx_error *err)
{
    if (bb->cloned_into_cgroup)
        return 0;
    if (bb->cg.n_paths == 0 && create_cgroup(bb, err) != 0)
        return -1;
    return bb->cg.mode == CGROUP_NONE ? 0 : cgroup_attach(&bb->cg, bb->init_pid, err);
}

/* The init waits on the socket for its uid/gid maps (it cannot create a
 * file before); it then builds the box while the cgroup is made or attached
 * to here where clone3 did not (attaching to v1 cgroups can take a grace
 * period per hierarchy). When the
 * init dies early, the box is still returned: launching it finds out and
 * collects the init's report. */
static int release_init(built_box *bb, const sandbox_settings *s, rbx_error *err)
{
    if (ns_user_write_maps(bb->init_pid, &bb->slot, s->rootless, err) != 0)
        return -1;
    if (!tell_box(bb, 'm'))
        return 0;
    if (make_cgroup(bb, err) != 0)
        return -1;
    if (s->rootless)
        receive_box_fs(bb);
    return 0;
}

int box_build(built_box *bb, const box_shape *shape, rbx_error *err)
{
    *bb = (built_box){.shape = *shape,
                      .slot = {.lock_fd = -1},
                      .cg = {.cpu_usage_fd = -1},
                      .box_fs_fd = -1,
                      .sync_fd = -1,
                      .report_fd = -1,
                      .out_fd = -1,
                      .err_fd = -1,
                      .pidfd = -1};
    init_command command;
    init_ends ends = {-1, -1, -1, -1}; /* our copies of the init's ends */
    init_exec x = {.command = &command, .exec_fd = -1};
    const sandbox_settings *s = sandbox_settings_get(err);
    bb->cg.mode = cgroup_detect(); /* decided before the clone: the init must not look */
    bb->rootless = s && s->rootless;
    int rc = -1;
    if (s && uid_slot_acquire(s, &bb->slot, err) == 0 && make_box_fs(bb, s, err) == 0 &&
        make_pipes(bb, &ends, err) == 0 && init_argv(&command, bb, &ends, s, err) == 0 &&
        cgroup_before_clone(bb, err) == 0) {
        x.ends = ends;
        x.box_fs_fd = bb->box_fs_fd;
        x.box_init_fd = s->box_init_fd;
        x.rootless = s->rootless;
        x.last_cap = kernel_last_cap();
        if (clone_init(bb, &x, err) == 0) {
            close_ends(&ends); /* the child has its own copies */
            rc = release_init(bb, s, err);
        }
    }
    if (rc != 0 && bb->init_pid > 0 && bb->pidfd >= 0)
        pidfd_send_signal(bb->pidfd, SIGKILL, NULL, 0);
    wait_for_exec(&x);
    close_ends(&ends);
    if (rc != 0)
        box_destroy(bb);
    return rc;
}

/* The init says when it has built the box; false when it died first. */
static bool box_is_built(built_box *bb)
{
    char byte;
    ssize_t n;
    do
        n = recv(bb->sync_fd, &byte, 1, 0);
    while (n < 0 && errno == EINTR);
    return n == 1 && byte == 'b';
}

/* KB in use in the /box tmpfs. */
static int box_fs_used_kb(int fd, uint64_t *kb, rbx_error *err)
{
    struct statfs st;
    if (fstatfs(fd, &st) != 0)
        return rbx_error_errno(err, "statfs of /box");
    *kb = (uint64_t)(st.f_blocks - st.f_bfree) * (uint64_t)st.f_bsize / 1024;
    return 0;
}

/* Copy the work dir into /box and weigh it. The supervisor writes those
 * tmpfs pages, so the kernel charges them to the supervisor's cgroup, not
 * the box's; yet the program maps and reads them (a 60 MB initialised array
 * is 60 MB of its executable). They are the box's memory: the program gets
 * the limit less what its files take. */
static int copy_in(built_box *bb, const rbx_sandbox_limits *lim, int workdir_fd, rbx_error *err)
{
    uint64_t before = 0, after = 0;
    bb->files_kb = 0;
    if (box_fs_used_kb(bb->box_fs_fd, &before, err) != 0 ||
        box_files_copy_in(workdir_fd, bb->box_fs_fd, &bb->slot, bb->rootless, lim->box_size_kb,
                          err) != 0 ||
        box_fs_used_kb(bb->box_fs_fd, &after, err) != 0)
        return -1;
    bb->files_kb = after > before ? after - before : 0;
    return 0;
}

int box_launch(built_box *bb, const rbx_sandbox_config *cfg, const rbx_sandbox_limits *lim,
               int workdir_fd, int stdin_fd, uint64_t *cpu_base_ns, rbx_error *err)
{
    *cpu_base_ns = 0;
    bb->files_kb = 0;
    if (workdir_fd >= 0 && bb->box_fs_fd < 0)
        return 1; /* the rootless init died before it sent /box */
    if (workdir_fd >= 0 && copy_in(bb, lim, workdir_fd, err) != 0)
        return -1;
    rbx_sandbox_limits left = *lim;
    if (lim->memory_kb && bb->files_kb >= lim->memory_kb)
        return 2;
    if (lim->memory_kb)
        left.memory_kb = lim->memory_kb - bb->files_kb;
    if (bb->cg.mode != CGROUP_NONE && cgroup_set_limits(&bb->cg, &left, err) != 0)
        return -1;
    if (!box_is_built(bb))
        return 1;
    if (bb->cg.mode != CGROUP_NONE && cgroup_cpu_usage_ns(&bb->cg, cpu_base_ns) != 0)
        *cpu_base_ns = 0;
    if (launch_send(bb->sync_fd, cfg, &left, stdin_fd, err) != 0)
        return errno == EPIPE || errno == ECONNRESET ? 1 : -1;
    close_fd(&bb->sync_fd);
    return 0;
}

static void close_box_fds(built_box *bb)
{
    close_fd(&bb->pidfd);
    close_fd(&bb->box_fs_fd);
    close_fd(&bb->sync_fd);
    close_fd(&bb->report_fd);
    close_fd(&bb->out_fd);
    close_fd(&bb->err_fd);
}

void box_release(built_box *bb)
{
    close_box_fds(bb);
    bb->init_pid = 0;
    cgroup_destroy(&bb->cg);
    uid_slot_release(&bb->slot);
}

void box_destroy(built_box *bb)
{
    if (bb->owner != 0 && bb->owner != getpid()) {
        /* Inherited across a fork: the init is not our child, and its
         * cgroup and slot are its owner's to release. Our copies go. */
        close_box_fds(bb);
        close_fd(&bb->cg.cpu_usage_fd);
        close_fd(&bb->slot.lock_fd);
        bb->init_pid = 0;
        return;
    }
    if (bb->init_pid > 0) {
        if (bb->pidfd >= 0)
            pidfd_send_signal(bb->pidfd, SIGKILL, NULL, 0);
        while (waitpid(bb->init_pid, NULL, __WALL) < 0 && errno == EINTR)
            ;
    }
    box_release(bb);
}
