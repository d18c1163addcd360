/* Pid 1 of the box: builds the box inside the fresh namespaces, waits for
 * the launch message (the box may be built ahead, before the run is known),
 * forks the program, and once the program has ended kills and reaps every
 * process left in the box, then reports the program's end to the
 * supervisor. The supervisor answers from that report and lets the init's
 * own exit (the namespaces' teardown) finish in the background.
 * PR_SET_PDEATHSIG ties it to the supervisor: kill the supervisor and the
 * whole box goes.
 *
 * The program is not pid 1 itself because the kernel shields pid 1 from
 * signals sent from inside its namespace: abort(), raise(SIGKILL) and
 * kill -SEGV $$ would not do what the program expects.
 *
 * Runs in the cloned child: no allocation (see internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/io.h"
#include "sandbox/internal.h"

static void send_report(int fd, const child_report *r)
{
    ssize_t n;
    do
        n = write(fd, r, sizeof(*r));
    while (n < 0 && errno == EINTR);
}

/* The status a shell gives a command it cannot run: 127 when there is no
 * such program, 126 when there is one that cannot be executed (no execute
 * permission, not an executable format, a directory). */
static int exec_failure_status(int err)
{
    return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

static _Noreturn void setup_failed(const box_plan *p, const child_error *e, int type)
{
    child_report r = {.type = type, .error = *e};
    send_report(p->report_fd, &r);
    _exit(type == REPORT_EXEC_FAILED ? exec_failure_status(e->err) : 1);
}

_Noreturn void box_init_failed(const box_plan *p, const child_error *e)
{
    setup_failed(p, e, REPORT_SETUP_FAILED);
}

/* Standard streams onto 0, 1, 2 even if the caller had them closed (then the
 * pipes themselves may sit on 0..2: move everything high first). */
static int install_stdio(const box_plan *p, int stdin_fd, child_error *e)
{
    int src[3] = {stdin_fd, p->stdout_fd, p->stderr_fd};
    int high[3];
    for (int i = 0; i < 3; i++) {
        if (src[i] < 0) {
            high[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        } else {
            high[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10);
        }
        if (high[i] < 0)
            return child_fail(e, errno, "prepare standard streams", NULL);
    }
    for (int i = 0; i < 3; i++)
        if (dup2(high[i], i) != i)
            return child_fail(e, errno, "dup2 standard streams", NULL);
    return 0;
}

/* Keep 0-2 and the report pipe (moved to 3, close-on-exec); close the rest. */
static int close_other_fds(const box_plan *p, int *report_fd, child_error *e)
{
    if (p->report_fd != 3 && dup3(p->report_fd, 3, O_CLOEXEC) != 3)
        return child_fail(e, errno, "move the report pipe", NULL);
    *report_fd = 3;
    if (close_range(4, ~0U, 0) != 0)
        return child_fail(e, errno, "close_range", NULL);
    return 0;
}

static void mark_oom_victim(void)
{
    /* The program, not init, should be what the OOM killer picks. */
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, "1000", 4);
        close(fd);
    }
}

/* execvpe() searches the caller's PATH, not envp's: search envp's here. */
static const char *env_path(const char *const *envp)
{
    for (const char *const *v = envp; v && *v; v++)
        if (strncmp(*v, "PATH=", 5) == 0)
            return *v + 5;
    return "/usr/local/bin:/usr/bin:/bin";
}

static int exec_program(char *const *av, char *const *ev)
{
    const char *const *argv = (const char *const *)av;
    const char *const *envp = (const char *const *)ev;
    if (strchr(argv[0], '/')) {
        execve(argv[0], av, ev);
        return errno;
    }
    int result = ENOENT;
    const char *path = env_path(envp);
    while (*path) {
        size_t len = strcspn(path, ":");
        char full[4096];
        int n = snprintf(full, sizeof(full), "%.*s/%s", (int)len, path, argv[0]);
        if (len > 0 && n > 0 && (size_t)n < sizeof(full)) {
            execve(full, av, ev);
            if (errno == EACCES)
                result = EACCES; /* like execvp: report EACCES over a later ENOENT */
            else if (errno != ENOENT && errno != ENOTDIR)
                return errno;
        }
        path += len;
        if (*path == ':')
            path++;
    }
    return result;
}

/* The signals this process ignores, from /proc/self/status (SigIgn). */
static uint64_t ignored_signals(void)
{
    char buf[2048];
    if (rbx_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
        return ~0ULL; /* unknown: reset them all */
    const char *line = strstr(buf, "\nSigIgn:");
    return line ? strtoull(line + 8, NULL, 16) : ~0ULL;
}

/* Signals as a fresh process has them: ignored signals and the mask survive
 * exec, and the init inherited both from the supervisor (a service commonly
 * ignores SIGPIPE). Caught signals go back to their default at exec by
 * themselves; until then every signal stays blocked (this process shares
 * the init's memory, where no handler may run). Only the ignored ones are
 * touched: a system call per signal adds up. */
static void reset_signals(void)
{
    /* The kernel's struct, by the raw call: glibc's sigaction() refuses its
     * own two real-time signals, which a caller may have ignored too. */
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
    } dfl = {.handler = SIG_DFL};
    uint64_t ignored = ignored_signals();
    for (int sig = 1; sig <= 64; sig++)
        if ((ignored >> (sig - 1)) & 1 && sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

/* Unblock everything, the last thing before exec. */
static void unblock_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

typedef struct program_start {
    const box_plan *plan;
    const program_args *args;
} program_start;

/* The program's process until it execs: it shares the init's memory (the
 * init waits, CLONE_VFORK), so it writes only to its own stack. */
static int program_main(void *arg)
{
    const program_start *start = arg;
    const box_plan *p = start->plan;
    child_error e = {0};
    box_plan q = *p;
    reset_signals();
    if (install_stdio(p, start->args->stdin_fd, &e) != 0 ||
        close_other_fds(p, &q.report_fd, &e) != 0)
        setup_failed(&q, &e, REPORT_SETUP_FAILED);
    mark_oom_victim();
    if (rlimits_apply(&start->args->limits, p->have_cgroup, &e) != 0 ||
        credentials_drop(p->rootless, &e) != 0)
        setup_failed(&q, &e, REPORT_SETUP_FAILED);
    if (chdir(start->args->cwd) != 0) {
        child_fail(&e, errno, "chdir", start->args->cwd);
        setup_failed(&q, &e, REPORT_SETUP_FAILED);
    }
    if (seccomp_program_load(p->seccomp, &e) != 0)
        setup_failed(&q, &e, REPORT_SETUP_FAILED);
    unblock_signals();
    int err = exec_program(start->args->argv, start->args->envp);
    child_fail(&e, err, "cannot execute", start->args->argv[0]);
    setup_failed(&q, &e, REPORT_EXEC_FAILED);
}

#define PROGRAM_STACK_SIZE (1024 * 1024) /* mapped lazily: only touched pages cost */

/* Start the program the way posix_spawn does: a process sharing our memory,
 * with a stack of its own, while we wait for its exec (or exit). No copy of
 * the page tables, no copy-on-write faults, nothing to tear down at exec:
 * the init is a copy of the whole supervisor. All signals are blocked
 * across the clone so no handler runs on the shared memory. */
static pid_t spawn_program(const box_plan *p, const program_args *args, child_error *e)
{
    void *stack = mmap(NULL, PROGRAM_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return child_fail(e, errno, "mmap the program's stack", NULL);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    program_start start = {.plan = p, .args = args};
    pid_t pid = clone(program_main, (char *)stack + PROGRAM_STACK_SIZE,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* The stack stays mapped: the init only reaps from now on, and an unmap
     * of memory the program's process ran on costs a TLB shootdown. */
    if (pid < 0)
        return child_fail(e, saved, "start the program", NULL);
    return pid;
}

/* Rootless: only the box's own user namespace can make a tmpfs, so the init
 * makes /box's and sends it to the supervisor, which copies the work dir in
 * (and back after the run) through it. */
static int share_box_fs(const box_plan *p, mount_plan *m, child_error *e)
{
    m->box_fs_fd = mounts_new_box_fs(m->box_size_kb, RBX_BOX_UID, RBX_BOX_GID, e);
    if (m->box_fs_fd < 0)
        return -1;
    char byte = 'f';
    if (fd_send(p->sync_fd, &byte, 1, &m->box_fs_fd, 1) != 1)
        return child_fail(e, errno, "send the tmpfs of /box to the supervisor", NULL);
    return 0;
}

static int build_box(const box_plan *p, child_error *e)
{
    mount_plan mounts = p->mounts;
    /* The maps were written and we became the box's root before the exec
     * (box_build.c). */
    if (mounts_prepare(e) != 0)
        return -1;
    if (p->share_box_fs && share_box_fs(p, &mounts, e) != 0)
        return -1;
    const char *host = p->hostname ? p->hostname : "runbox";
    if (sethostname(host, strlen(host)) != 0 || setdomainname("runbox", 6) != 0)
        return child_fail(e, errno, "sethostname", NULL);
    if (network_loopback_up(e) != 0 || credentials_empty_bounding_set(e) != 0)
        return -1;
    if (mounts_build_root(&mounts, e) != 0)
        return -1;
    /* Built: the supervisor takes the cgroup's CPU usage at the launch, so
     * that the run's CPU time is the program's, not the building's. */
    char built = 'b';
    if (send(p->sync_fd, &built, 1, MSG_NOSIGNAL) != 1)
        _exit(1);
    return 0;
}

/* The launch message (work dir copied in, limits set); a box discarded
 * unused just ends. Then the box sees its own cgroup as the root of the
 * hierarchy: it is in it since before it was built. */
static int wait_for_launch(const box_plan *p, program_args *args, child_error *e)
{
    int rc = launch_receive(p->sync_fd, args, e);
    if (rc == 0)
        _exit(0);
    if (rc < 0)
        return -1;
    close(p->sync_fd);
    if (unshare(CLONE_NEWCGROUP) != 0)
        return child_fail(e, errno, "unshare the cgroup namespace", NULL);
    return 0;
}

/* The arg area of this process, fields 48 and 49 of /proc/self/stat. */
static int arg_area(char **start, char **end)
{
    char buf[1024];
    if (rbx_read_file("/proc/self/stat", buf, sizeof(buf)) <= 0)
        return -1;
    char *field = strrchr(buf, ')'); /* the command name before it may hold anything */
    if (!field)
        return -1;
    field++;
    /* field points at the space before field 3; move to the one before field 48 */
    for (int i = 3; i < 48 && field; i++)
        field = strchr(field + 1, ' ');
    if (!field)
        return -1;
    char *rest;
    unsigned long long a = strtoull(field, &rest, 10), b = strtoull(rest, NULL, 10);
    if (a == 0 || b <= a)
        return -1;
    *start = (char *)(uintptr_t)a;
    *end = (char *)(uintptr_t)b;
    return 0;
}

/* Pid 1 is a fork of the supervisor: /proc/1/cmdline would show the
 * supervisor's command line (paths, options) to the program. Blank the arg
 * area the kernel reads it from and name the init plainly. */
static void hide_command_line(void)
{
    static const char name[] = "runbox-init";
    prctl(PR_SET_NAME, name, 0, 0, 0);
    char *start, *end;
    if (arg_area(&start, &end) != 0)
        return;
    size_t len = (size_t)(end - start);
    memset(start, 0, len);
    memcpy(start, name, len > sizeof(name) ? sizeof(name) - 1 : len - 1);
}

/* Reap everything until the program itself has ended (what it started may
 * still run). */
static void reap_until(pid_t program, child_report *r)
{
    for (;;) {
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, __WALL, &ru);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return;
        if (pid == program) {
            r->type = REPORT_EXITED;
            r->wait_status = status;
            r->usage = ru;
            return;
        }
    }
}

/* The run is over when the program ends: what it left running is killed
 * (kill(-1) from pid 1 reaches every other process of the pid namespace) and
 * reaped, so that the report means the box is empty, its output pipes are
 * closed and its files are still. */
static void end_the_rest(void)
{
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
        ;
}

/* The init lives on beside the supervisor, possibly for long (built ahead):
 * keep only the descriptors the box needs, not the supervisor's sockets,
 * database or other boxes' pipes. 0-2 stay: the program gets its own. */
static void close_inherited_fds(const box_plan *p)
{
    int keep[] = {p->sync_fd, p->report_fd, p->stdout_fd, p->stderr_fd, p->mounts.box_fs_fd};
    const size_t n = sizeof(keep) / sizeof(keep[0]);
    for (size_t i = 1; i < n; i++) /* insertion sort: five entries */
        for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned from = 3;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < (int)from) /* -1, or a duplicate */
            continue;
        if ((unsigned)keep[i] > from)
            close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    close_range(from, ~0U, 0);
}

_Noreturn void box_init_main(const box_plan *p)
{
    child_error e = {0};
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        _exit(1);
    close_inherited_fds(p);
    /* A session (and process group) of the box's own: kill(0, sig) signals
     * the caller's process group, and a group is not confined to a pid
     * namespace. Left in the supervisor's group, a program running under the
     * supervisor's own uid (rootless) could signal the supervisor and
     * whatever shares its group. This also drops any controlling terminal. */
    if (setsid() < 0) {
        child_fail(&e, errno, "setsid", NULL);
        setup_failed(p, &e, REPORT_SETUP_FAILED);
    }
    if (build_box(p, &e) != 0)
        setup_failed(p, &e, REPORT_SETUP_FAILED);
    /* Not dumpable: a program running under the same uid (rootless) cannot
     * open our /proc entries or ptrace us. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    hide_command_line();
    program_args args;
    if (wait_for_launch(p, &args, &e) != 0)
        setup_failed(p, &e, REPORT_SETUP_FAILED);
    pid_t program = spawn_program(p, &args, &e);
    if (program < 0)
        setup_failed(p, &e, REPORT_SETUP_FAILED);
    close(p->stdout_fd);
    close(p->stderr_fd);
    if (args.stdin_fd >= 0)
        close(args.stdin_fd);
    child_report r = {0};
    reap_until(program, &r);
    end_the_rest();
    if (r.type == REPORT_EXITED)
        send_report(p->report_fd, &r);
    _exit(0);
}
