/* rbx_sandbox_run: one program in one box, from taking the box to the last
 * measurement.
 *
 *   take       a box of the run's shape: the one built ahead (box_keep.c)
 *              or a new one (box_build.c)
 *   launch     limits, work dir copied in, the launch message; when another
 *              run follows, the next box is built while this program runs
 *   supervise  poll: output pipes, a 10 ms timer for CPU (cgroup usage) and
 *              wall time, the init's report and pidfd; any limit kills the
 *              init, and the kernel kills its whole pid namespace with it
 *   measure    once the init reports that the program ended and the box is
 *              empty: CPU, peak memory and OOM from the cgroup; exit status
 *              from the report; the verdict from status.c
 *   retire     copy back, then leave the init's exit (namespace teardown)
 *              to finish in the background; its cgroup and uid slot are
 *              released once it has exited (box_keep.c) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define TICK_NS (10 * 1000 * 1000) /* limit check period: 10 ms */

typedef struct box_run {
    const rbx_sandbox_config *cfg;
    rbx_sandbox_limits lim; /* cfg's limits with defaults filled in */
    built_box box;
    bool have_box;
    int workdir_fd;
    int stdin_fd;
    int timer_fd;
    struct timespec started; /* the launch: wall time is the program's own */
    uint64_t cpu_base_ns;    /* the cgroup's CPU usage at the launch */
    output_capture oc;
    run_facts facts;
    child_report report;
    child_error setup_error;
    bool init_exited;
    bool files_over_memory; /* the work dir copied in alone fills the memory limit */
} box_run;

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
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "argv", "no program to run");
    if (cfg->cwd && cfg->cwd[0] != '/')
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "cwd", "cwd must be absolute");
    if (cfg->hostname && (!cfg->hostname[0] || strlen(cfg->hostname) > 64))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "hostname", "hostname of 1 to 64 bytes");
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const rbx_sandbox_mount *m = &cfg->mounts[i];
        if (!m->host_path || m->host_path[0] != '/' || !m->box_path || m->box_path[0] != '/' ||
            strstr(m->box_path, ".."))
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "mounts",
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

static box_shape shape_of(const box_run *b)
{
    box_shape shape = {.tmp_size_kb = b->lim.tmp_size_kb,
                       .box_size_kb = b->lim.box_size_kb,
                       .mounts = b->cfg->mounts,
                       .n_mounts = b->cfg->n_mounts};
    snprintf(shape.hostname, sizeof(shape.hostname), "%s",
             b->cfg->hostname ? b->cfg->hostname : "runbox");
    return shape;
}

static int prepare(box_run *b, rbx_error *err)
{
    if (open_workdir(b, err) != 0)
        return -1;
    if (b->cfg->stdin_data && b->cfg->stdin_len > 0) {
        b->stdin_fd = output_stdin_memfd(b->cfg->stdin_data, b->cfg->stdin_len, err);
        if (b->stdin_fd < 0)
            return -1;
    }
    box_shape shape = shape_of(b);
    if (box_take(&shape, &b->box, err) != 0)
        return -1;
    b->have_box = true;
    /* The capture owns the read ends from here (it closes each at EOF). */
    int rc = output_init(&b->oc, b->box.out_fd, b->box.err_fd, b->lim.output_bytes, err);
    b->box.out_fd = b->box.err_fd = -1;
    return rc;
}

/* 0 when the program was launched or the init died first (its report says
 * why), -1 on error. The next box is built while this program runs. */
static int launch(box_run *b, rbx_error *err)
{
    int rc = box_launch(&b->box, b->cfg, &b->lim, b->workdir_fd, b->stdin_fd, &b->cpu_base_ns, err);
    if (rc < 0)
        return -1;
    if (rc == 2) {
        b->files_over_memory = true;
        return 0;
    }
    /* Wall time, like CPU time, is the program's own: graders compare it
     * across runs, and the box's set-up would be a constant few ms in it.
     * A timespec, not rbx_clock_ms(): the interval is taken in nanoseconds
     * and truncated once, where two truncated ms readings could be 1 ms off
     * (the same clock, CLOCK_MONOTONIC, as common/clock.c and the timerfd). */
    clock_gettime(CLOCK_MONOTONIC, &b->started);
    close_fd(&b->stdin_fd);
    if (rc == 0 && b->cfg->build_next_during_run) {
        box_shape shape = shape_of(b);
        box_build_ahead(&shape);
    }
    return 0;
}

/* What the box changed goes back to the work dir, once nothing runs in it. */
static int copy_back(box_run *b, rbx_error *err)
{
    if (b->box.box_fs_fd < 0 || b->workdir_fd < 0 || b->cfg->discard_workdir_changes ||
        b->facts.setup_failed)
        return 0;
    return box_files_copy_out(b->box.box_fs_fd, b->workdir_fd, b->lim.box_size_kb, err);
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
    if (b->box.pidfd >= 0)
        pidfd_send_signal(b->box.pidfd, SIGKILL, NULL, 0);
    cgroup_kill_all(&b->box.cg);
}

/* CPU time of the program and its descendants: the cgroup's usage since the
 * launch. */
static int program_cpu_ns(const box_run *b, uint64_t *ns)
{
    if (cgroup_cpu_usage_ns(&b->box.cg, ns) != 0)
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

static void read_reports(box_run *b)
{
    child_report r;
    while (read(b->box.report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
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

static int read_output(box_run *b, const struct pollfd *p, rbx_error *err)
{
    output_buffer *bufs[2] = {&b->oc.out, &b->oc.err};
    for (int i = 0; i < 2; i++) {
        if (bufs[i]->fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        int rc = output_read_available(&b->oc, bufs[i], err);
        if (rc < 0)
            return -1;
        if (rc > 0 && !b->facts.output_limit_hit) {
            b->facts.output_limit_hit = true;
            kill_box(b);
        }
    }
    return 0;
}

/* Until the init reports the program's end (the box is empty then) or is
 * itself gone (killed at a limit, or a set-up failure). */
static int client_fd = -1;

void rbx_sandbox_watch_client(int fd)
{
    client_fd = fd;
}

static int supervise(box_run *b, rbx_error *err)
{
    if (start_timer(b, err) != 0)
        return -1;
    int report_fd = b->box.report_fd, client = client_fd;
    while (!b->facts.got_exit && !b->init_exited) {
        struct pollfd p[6] = {{b->oc.out.fd, POLLIN, 0}, {b->oc.err.fd, POLLIN, 0},
                              {b->box.pidfd, POLLIN, 0}, {b->timer_fd, POLLIN, 0},
                              {report_fd, POLLIN, 0},    {client, POLLRDHUP, 0}};
        if (poll(p, 6, -1) < 0) {
            if (errno == EINTR)
                continue;
            return rbx_error_errno(err, "poll");
        }
        if (read_output(b, p, err) != 0)
            return -1;
        if (p[3].revents & POLLIN) {
            uint64_t ticks;
            (void)!read(b->timer_fd, &ticks, sizeof(ticks));
            check_time_limits(b);
        }
        if (p[4].revents & POLLIN)
            read_reports(b);
        else if (p[4].revents & (POLLHUP | POLLERR))
            report_fd = -1; /* the init is exiting: the pidfd says when */
        if (p[2].revents & POLLIN)
            b->init_exited = true;
        if (p[5].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            b->facts.client_gone = true;
            client = -1; /* once: the box is going */
            kill_box(b);
        }
    }
    return 0;
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
        r->memory_kb = cgroup_peak_memory_kb(&b->box.cg);
        b->facts.oom = cgroup_oom_killed(&b->box.cg);
        if (r->memory_kb == 0 && b->facts.got_exit) /* v2 before Linux 5.19: no memory.peak */
            r->memory_kb = (uint64_t)b->report.usage.ru_maxrss;
    } else if (b->facts.got_exit) {
        r->cpu_time_ms =
            timeval_ms(&b->report.usage.ru_utime) + timeval_ms(&b->report.usage.ru_stime);
        r->memory_kb = (uint64_t)b->report.usage.ru_maxrss;
    }
    r->memory_kb += b->box.files_kb; /* the box's files are its memory too (box_launch) */
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

/* The box is empty: every process but the init has ended (or the init too). */
static void finish(box_run *b, rbx_sandbox_result *r)
{
    if (b->init_exited) {
        while (waitpid(b->box.init_pid, NULL, __WALL) < 0 && errno == EINTR)
            ;
        b->box.init_pid = 0;
    }
    output_drain(&b->oc);
    read_reports(b);
    measure(b, r);
    take_output(b, r);
    describe_failure(b, r);
    status_decide(&b->facts, r);
}

/* A finished run's box is retired (its init may still be exiting); on an
 * error path the box is killed and waited for, so none is left behind. */
/* The run that never started: its files alone were over the memory limit. */
static void files_over_memory(const box_run *b, rbx_sandbox_result *r)
{
    r->status = RBX_SANDBOX_MEMORY_LIMIT;
    r->memory_kb = b->box.files_kb;
    snprintf(r->message, sizeof(r->message),
             "memory limit exceeded: the files in /box alone take %llu KB of the %llu KB allowed",
             (unsigned long long)b->box.files_kb, (unsigned long long)b->lim.memory_kb);
}

static void release_all(box_run *b, bool finished)
{
    close_fd(&b->timer_fd);
    close_fd(&b->workdir_fd);
    close_fd(&b->stdin_fd);
    output_free(&b->oc);
    if (b->have_box && finished)
        box_retire(&b->box);
    else if (b->have_box)
        box_destroy(&b->box);
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
                 .stdin_fd = -1,
                 .timer_fd = -1,
                 .oc = {.out.fd = -1, .err.fd = -1}};
    fill_default_limits(&b.lim);
    bool finished = false;
    int rc = -1;
    bool launched = prepare(&b, err) == 0 && launch(&b, err) == 0;
    if (launched && b.files_over_memory) {
        files_over_memory(&b, result);
        rc = 0; /* the box is destroyed below: its init never got a program */
    } else if (launched && supervise(&b, err) == 0) {
        finish(&b, result);
        finished = true;
        rc = copy_back(&b, err);
        if (rc != 0)
            rbx_sandbox_result_free(result);
    }
    release_all(&b, finished);
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
                                        "memory_limit", "output_limit",  "internal_error",
                                        "cancelled"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "internal_error";
}

int rbx_sandbox_cleanup_stale(rbx_error *err)
{
    return cgroup_cleanup_stale(err);
}
