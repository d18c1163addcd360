/* rbx_sandbox_run: one box, from preparation to the last measurement.
 *
 *   prepare    uid slot, cgroup with its limits, pipes, stdin memfd, seccomp
 *   clone3     the box init with new user, pid, mount, net, ipc and uts
 *              namespaces (cgroup namespace: the init unshares it once it
 *              is in its cgroup)
 *   release    write the uid/gid maps, put the init in the cgroup, say "go"
 *   supervise  poll: output pipes, a 10 ms timer for CPU (cgroup usage) and
 *              wall time, the init's pidfd; any limit kills the init, and
 *              the kernel kills its whole pid namespace with it
 *   measure    CPU, peak memory and OOM from the cgroup; exit status from the
 *              init's report; the verdict from status.c
 *   clean up   cgroup removed, slot released; mounts never existed outside
 *              the box's mount namespace, so there is nothing to unmount. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define TICK_NS (10 * 1000 * 1000) /* limit check period: 10 ms */

typedef struct box_run {
    const rbx_sandbox_config *cfg;
    rbx_sandbox_limits lim; /* cfg's limits with defaults filled in */
    const sandbox_settings *settings;
    uid_slot slot;
    box_cgroup cg;
    bool have_cgroup; /* decided before the clone: the child must not look */
    int workdir_fd;
    int box_fs_fd; /* the /box tmpfs when there is a work dir to copy */
    int stdin_fd;
    int sync_sock[2], report_pipe[2], out_pipe[2], err_pipe[2];
    pid_t init_pid;
    int pidfd, timer_fd;
    struct timespec started; /* the clone; moved to the exec once the box is built */
    uint64_t cpu_base_ns;    /* the cgroup's CPU usage once the box was built */
    output_capture oc;
    run_facts facts;
    child_report report;
    child_error setup_error;
    bool have_report_usage;
} box_run;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void fill_default_limits(rbx_sandbox_limits *l)
{
    if (!l->output_bytes)
        l->output_bytes = 64 * 1024;
    if (!l->open_files)
        l->open_files = 256;
    if (!l->tmp_size_kb)
        l->tmp_size_kb = 64 * 1024;
    if (!l->box_size_kb)
        l->box_size_kb = l->tmp_size_kb;
    if (!l->file_size_kb)
        l->file_size_kb = l->tmp_size_kb;
}

static int validate_config(const rbx_sandbox_config *cfg, rbx_error *err)
{
    if (!cfg || !cfg->argv || !cfg->argv[0] || !cfg->argv[0][0])
        return rbx_error_set(err, 400, "invalid_request", "argv", "no program to run");
    if (cfg->cwd && cfg->cwd[0] != '/')
        return rbx_error_set(err, 400, "invalid_request", "cwd", "cwd must be absolute");
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const rbx_sandbox_mount *m = &cfg->mounts[i];
        if (!m->host_path || m->host_path[0] != '/' || !m->box_path || m->box_path[0] != '/' ||
            strstr(m->box_path, ".."))
            return rbx_error_set(err, 400, "invalid_request", "mounts",
                                 "mount paths must be absolute, without ..");
    }
    return 0;
}

/* The work dir is opened once (no symlink at its last component), with our
 * own credentials, before any box exists; it is copied into /box and back
 * through this fd only. */
static int open_workdir(box_run *b, rbx_error *err)
{
    b->workdir_fd = -1;
    if (!b->cfg->workdir)
        return 0;
    b->workdir_fd = open(b->cfg->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (b->workdir_fd < 0)
        return rbx_error_errno(err, "cannot open work dir %s", b->cfg->workdir);
    return 0;
}

/* Root mode: the supervisor makes /box's tmpfs itself (the box's user
 * namespace could not copy host files into one: host root is not mapped
 * there). Rootless: the box's init makes it and sends it (share_box_fs). */
static int make_box_fs(box_run *b, rbx_error *err)
{
    if (b->workdir_fd < 0 || b->settings->rootless)
        return 0;
    child_error e = {0};
    b->box_fs_fd = mounts_new_box_fs(b->lim.box_size_kb, b->slot.box_uid, b->slot.box_gid, &e);
    if (b->box_fs_fd < 0) {
        errno = e.err;
        return rbx_error_errno(err, "%s", e.what);
    }
    return 0;
}

/* The /box tmpfs the rootless init sends; -1 when it died first (its report says why). */
static int receive_box_fs(box_run *b)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    ssize_t n;
    do
        n = recvmsg(b->sync_sock[1], &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    struct cmsghdr *c = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    memcpy(&b->box_fs_fd, CMSG_DATA(c), sizeof(int));
    return b->box_fs_fd;
}

static int make_pipes(box_run *b, rbx_error *err)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b->sync_sock) != 0)
        return rbx_error_errno(err, "socketpair");
    if (pipe2(b->report_pipe, O_CLOEXEC) != 0 || pipe2(b->out_pipe, O_CLOEXEC) != 0 ||
        pipe2(b->err_pipe, O_CLOEXEC) != 0)
        return rbx_error_errno(err, "pipe");
    if (fcntl(b->out_pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(b->err_pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(b->report_pipe[0], F_SETFL, O_NONBLOCK) != 0)
        return rbx_error_errno(err, "fcntl O_NONBLOCK");
    return output_init(&b->oc, b->out_pipe[0], b->err_pipe[0], b->lim.output_bytes, err);
}

static _Noreturn void run_child(box_run *b, const struct sock_fprog *prog)
{
    close(b->sync_sock[1]);
    close(b->report_pipe[0]);
    close(b->out_pipe[0]);
    close(b->err_pipe[0]);
    box_plan plan = {
        .cfg = b->cfg,
        .limits = &b->lim,
        .mounts = {.root_mountpoint = b->settings->root_mountpoint,
                   .box_fs_fd = b->box_fs_fd,
                   .box_size_kb = b->lim.box_size_kb,
                   .tmp_size_kb = b->lim.tmp_size_kb,
                   .extra = b->cfg->mounts,
                   .n_extra = b->cfg->n_mounts},
        .rootless = b->settings->rootless,
        .share_box_fs = b->workdir_fd >= 0 && b->settings->rootless,
        .have_cgroup = b->have_cgroup,
        .sync_fd = b->sync_sock[0],
        .report_fd = b->report_pipe[1],
        .stdin_fd = b->stdin_fd,
        .stdout_fd = b->out_pipe[1],
        .stderr_fd = b->err_pipe[1],
        .seccomp = prog,
    };
    box_init_main(&plan);
}

static int clone_box(box_run *b, const struct sock_fprog *prog, rbx_error *err)
{
    struct clone_args args = {
        .flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
                 CLONE_NEWUTS | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&b->pidfd,
        .exit_signal = SIGCHLD,
    };
    clock_gettime(CLOCK_MONOTONIC, &b->started);
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid < 0)
        return rbx_error_errno(err, "clone3 with new namespaces");
    if (pid == 0)
        run_child(b, prog);
    b->init_pid = (pid_t)pid;
    close_fd(&b->sync_sock[0]);
    close_fd(&b->report_pipe[1]);
    close_fd(&b->out_pipe[1]);
    close_fd(&b->err_pipe[1]);
    return 0;
}

/* The box's cgroup, made while the init builds the box (it only has to
 * exist before the init is attached). Stale boxes of a dead supervisor are
 * looked for once per process (per pid: a pre-forking service's workers
 * each start afresh). */
static int make_cgroup(box_run *b, rbx_error *err)
{
    static pid_t cleaned_by;
    if (cleaned_by != getpid()) {
        cgroup_cleanup_stale(err);
        cleaned_by = getpid();
    }
    return cgroup_create(&b->cg, &b->lim, err);
}

/* One byte to the init; false when it is gone (its report says why). */
static bool tell_box(box_run *b, char what)
{
    ssize_t n;
    do
        n = send(b->sync_sock[1], &what, 1, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

/* The init says when it has built the box; false when it died first. */
static bool box_is_built(box_run *b)
{
    char byte;
    ssize_t n;
    do
        n = recv(b->sync_sock[1], &byte, 1, 0);
    while (n < 0 && errno == EINTR);
    return n == 1 && byte == 'b';
}

/* The init waits on the sync socket twice: for its uid/gid maps (it cannot
 * create a file before), then, just before it forks the program, for the
 * work dir's files and its cgroup. All of it happens while the init builds the
 * box's filesystem (attaching to cgroups can take a grace period per
 * hierarchy). The init says when it has built the box; the cgroup's CPU
 * usage then is the baseline of the program's CPU time. When the init dies
 * early, the supervisor goes on to collect its report. */
static int release_box(box_run *b, rbx_error *err)
{
    if (ns_user_write_maps(b->init_pid, &b->slot, b->settings->rootless, err) != 0)
        return -1;
    if (!tell_box(b, 'm'))
        return 0;
    if (make_cgroup(b, err) != 0)
        return -1;
    if (b->workdir_fd >= 0 && b->settings->rootless && receive_box_fs(b) < 0)
        return 0;
    if (b->box_fs_fd >= 0 && box_files_copy_in(b->workdir_fd, b->box_fs_fd, &b->slot,
                                               b->settings->rootless, b->lim.box_size_kb, err) != 0)
        return -1;
    if (b->cg.mode != CGROUP_NONE && cgroup_attach(&b->cg, b->init_pid, err) != 0)
        return -1;
    if (!box_is_built(b))
        return 0;
    if (b->cg.mode != CGROUP_NONE && cgroup_cpu_usage_ns(&b->cg, &b->cpu_base_ns) != 0)
        b->cpu_base_ns = 0;
    /* Wall time, like CPU time, is the program's own: graders compare it
     * across runs, and the box's set-up would be a constant few ms in it. */
    clock_gettime(CLOCK_MONOTONIC, &b->started);
    tell_box(b, 'c');
    close_fd(&b->sync_sock[1]);
    return 0;
}

/* What the box changed goes back to the work dir, once nothing runs in it. */
static int copy_back(box_run *b, rbx_error *err)
{
    if (b->box_fs_fd < 0 || b->cfg->discard_workdir_changes || b->facts.setup_failed)
        return 0;
    return box_files_copy_out(b->box_fs_fd, b->workdir_fd, b->lim.box_size_kb, err);
}

static uint64_t elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns =
        (int64_t)(now.tv_sec - since->tv_sec) * 1000000000 + (now.tv_nsec - since->tv_nsec);
    return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

static void kill_box(box_run *b)
{
    if (b->pidfd >= 0)
        pidfd_send_signal(b->pidfd, SIGKILL, NULL, 0);
    cgroup_kill_all(&b->cg);
}

/* CPU time of the program and its descendants: the cgroup's usage since the
 * box was built. */
static int program_cpu_ns(const box_run *b, uint64_t *ns)
{
    if (cgroup_cpu_usage_ns(&b->cg, ns) != 0)
        return -1;
    *ns = *ns > b->cpu_base_ns ? *ns - b->cpu_base_ns : 0;
    return 0;
}

static void check_time_limits(box_run *b)
{
    const rbx_sandbox_limits *l = &b->lim;
    if (l->wall_time_ms && elapsed_ms(&b->started) >= l->wall_time_ms)
        b->facts.wall_limit_hit = true;
    uint64_t ns;
    if (l->cpu_time_ms && program_cpu_ns(b, &ns) == 0 && ns / 1000000 >= l->cpu_time_ms)
        b->facts.cpu_limit_hit = true;
    if (b->facts.wall_limit_hit || b->facts.cpu_limit_hit)
        kill_box(b);
}

static int start_timer(box_run *b, rbx_error *err)
{
    b->timer_fd = -1;
    if (!b->lim.cpu_time_ms && !b->lim.wall_time_ms)
        return 0;
    b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (b->timer_fd < 0)
        return rbx_error_errno(err, "timerfd_create");
    struct itimerspec its = {.it_interval = {0, TICK_NS}, .it_value = {0, TICK_NS}};
    if (timerfd_settime(b->timer_fd, 0, &its, NULL) != 0)
        return rbx_error_errno(err, "timerfd_settime");
    return 0;
}

static int supervise(box_run *b, rbx_error *err)
{
    if (start_timer(b, err) != 0)
        return -1;
    bool exited = false;
    while (!exited) {
        struct pollfd p[4] = {{b->pidfd, POLLIN, 0},
                              {b->oc.out.fd, POLLIN, 0},
                              {b->oc.err.fd, POLLIN, 0},
                              {b->timer_fd, POLLIN, 0}};
        if (poll(p, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            return rbx_error_errno(err, "poll");
        }
        output_buffer *bufs[2] = {&b->oc.out, &b->oc.err};
        for (int i = 0; i < 2; i++) {
            if (bufs[i]->fd >= 0 && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) {
                int rc = output_read_available(&b->oc, bufs[i], err);
                if (rc < 0)
                    return -1;
                if (rc > 0 && !b->facts.output_limit_hit) {
                    b->facts.output_limit_hit = true;
                    kill_box(b);
                }
            }
        }
        if (p[3].revents & POLLIN) {
            uint64_t ticks;
            (void)!read(b->timer_fd, &ticks, sizeof(ticks));
            check_time_limits(b);
        }
        if (p[0].revents & POLLIN)
            exited = true;
    }
    return 0;
}

static void read_reports(box_run *b)
{
    child_report r;
    while (read(b->report_pipe[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
        if (r.type == REPORT_SETUP_FAILED) {
            b->facts.setup_failed = true;
            b->setup_error = r.error;
        } else if (r.type == REPORT_EXEC_FAILED) {
            b->facts.exec_failed = true;
            b->setup_error = r.error;
        } else if (r.type == REPORT_EXITED) {
            b->facts.got_exit = true;
            b->facts.wait_status = r.wait_status;
            b->report = r;
        }
    }
}

static uint64_t timeval_ms(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

static void measure(box_run *b, rbx_sandbox_result *r)
{
    r->wall_time_ms = elapsed_ms(&b->started);
    uint64_t ns;
    if (program_cpu_ns(b, &ns) == 0) {
        r->cpu_time_ms = ns / 1000000;
        r->memory_kb = cgroup_peak_memory_kb(&b->cg);
        b->facts.oom = cgroup_oom_killed(&b->cg);
    } else if (b->facts.got_exit) {
        r->cpu_time_ms =
            timeval_ms(&b->report.usage.ru_utime) + timeval_ms(&b->report.usage.ru_stime);
        r->memory_kb = (uint64_t)b->report.usage.ru_maxrss;
    }
    if (b->lim.cpu_time_ms && r->cpu_time_ms >= b->lim.cpu_time_ms)
        b->facts.cpu_limit_hit = true;
}

static void take_output(box_run *b, rbx_sandbox_result *r)
{
    r->stdout_buf = b->oc.out.data;
    r->stdout_len = b->oc.out.len;
    r->stderr_buf = b->oc.err.data;
    r->stderr_len = b->oc.err.len;
    r->truncated = b->oc.truncated;
    b->oc.out.data = b->oc.err.data = NULL;
}

static void describe_failure(box_run *b, rbx_sandbox_result *r)
{
    if (!b->facts.setup_failed && !b->facts.exec_failed)
        return;
    const child_error *e = &b->setup_error;
    if (e->err)
        snprintf(r->message, sizeof(r->message), "%s: %s", e->what, strerror(e->err));
    else
        snprintf(r->message, sizeof(r->message), "%s", e->what);
    r->exec_failed = b->facts.exec_failed;
}

static void finish(box_run *b, rbx_sandbox_result *r)
{
    int status;
    while (waitpid(b->init_pid, &status, __WALL) < 0 && errno == EINTR)
        ;
    output_drain(&b->oc);
    read_reports(b);
    measure(b, r);
    take_output(b, r);
    describe_failure(b, r);
    status_decide(&b->facts, r);
}

static void release_all(box_run *b)
{
    if (b->init_pid > 0 && b->pidfd >= 0) {
        /* Only on an error path before the run finished: do not leave a box behind. */
        pidfd_send_signal(b->pidfd, SIGKILL, NULL, 0);
        while (waitpid(b->init_pid, NULL, __WALL) < 0 && errno == EINTR)
            ;
    }
    close_fd(&b->pidfd);
    close_fd(&b->timer_fd);
    cgroup_destroy(&b->cg);
    uid_slot_release(&b->slot);
    close_fd(&b->workdir_fd);
    close_fd(&b->box_fs_fd);
    close_fd(&b->stdin_fd);
    for (int i = 0; i < 2; i++) {
        close_fd(&b->sync_sock[i]);
        close_fd(&b->report_pipe[i]);
        close_fd(&b->out_pipe[i]);
        close_fd(&b->err_pipe[i]);
    }
    output_free(&b->oc);
}

static int prepare(box_run *b, const struct sock_fprog **prog, rbx_error *err)
{
    if (seccomp_program_get(prog, err) != 0)
        return -1;
    b->have_cgroup = cgroup_detect() != CGROUP_NONE;
    if (uid_slot_acquire(b->settings, &b->slot, err) != 0)
        return -1;
    if (open_workdir(b, err) != 0 || make_box_fs(b, err) != 0)
        return -1;
    if (b->cfg->stdin_data && b->cfg->stdin_len > 0) {
        b->stdin_fd = output_stdin_memfd(b->cfg->stdin_data, b->cfg->stdin_len, err);
        if (b->stdin_fd < 0)
            return -1;
    }
    return make_pipes(b, err);
}

int rbx_sandbox_run(const rbx_sandbox_config *cfg, rbx_sandbox_result *result, rbx_error *err)
{
    memset(result, 0, sizeof(*result));
    result->exit_code = -1;
    if (validate_config(cfg, err) != 0)
        return -1;
    box_run b = {.cfg = cfg,
                 .lim = cfg->limits,
                 .workdir_fd = -1,
                 .box_fs_fd = -1,
                 .stdin_fd = -1,
                 .sync_sock = {-1, -1},
                 .report_pipe = {-1, -1},
                 .out_pipe = {-1, -1},
                 .err_pipe = {-1, -1},
                 .pidfd = -1,
                 .timer_fd = -1,
                 .slot = {.lock_fd = -1},
                 .cg = {.cpu_usage_fd = -1}};
    fill_default_limits(&b.lim);
    b.settings = sandbox_settings_get(err);
    const struct sock_fprog *prog = NULL;
    int rc = -1;
    if (b.settings && prepare(&b, &prog, err) == 0 && clone_box(&b, prog, err) == 0) {
        if (release_box(&b, err) == 0 && supervise(&b, err) == 0) {
            finish(&b, result);
            b.init_pid = 0;
            rc = copy_back(&b, err);
            if (rc != 0)
                rbx_sandbox_result_free(result);
        }
    }
    release_all(&b);
    return rc;
}

void rbx_sandbox_result_free(rbx_sandbox_result *r)
{
    if (!r)
        return;
    free(r->stdout_buf);
    free(r->stderr_buf);
    r->stdout_buf = r->stderr_buf = NULL;
    r->stdout_len = r->stderr_len = 0;
}

const char *rbx_sandbox_status_name(rbx_sandbox_status s)
{
    static const char *const names[] = {"ok",           "runtime_error", "time_limit",
                                        "memory_limit", "output_limit",  "internal_error"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "internal_error";
}

int rbx_sandbox_cleanup_stale(rbx_error *err)
{
    return cgroup_cleanup_stale(err);
}
