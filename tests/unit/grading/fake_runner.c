/* The fake runner: the real program on the host, measured roughly as the
 * sandbox would (wall, CPU, peak RSS), killed at the wall limit. */
#include "tests/unit/grading/fake_runner.h"

#include "engine/language.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define FAKE_OUTPUT_CAP (1024 * 1024)

static int memfd_with(const char *name, const char *data, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static char *read_back(int fd, size_t *len, bool *cut)
{
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
        size = 0;
    *cut = size > FAKE_OUTPUT_CAP;
    size_t want = *cut ? FAKE_OUTPUT_CAP : (size_t)size;
    char *buf = malloc(want + 1);
    size_t got = 0;
    while (buf && got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (buf)
        buf[got] = '\0';
    *len = got;
    return buf;
}

static uint64_t ms_since(uint64_t t0)
{
    return rbx_clock_ms() - t0;
}

static void child(int dirfd, int in, int out, int errfd, const char *const *argv)
{
    setpgid(0, 0);
    /* the toolchains the box sees: Debian's, not a developer's shims */
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("GO111MODULE", "off", 1); /* as languages/go.json runs go */
    if (fchdir(dirfd) < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
        _exit(126);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
}

/* Wait for pid until the wall limit; kill its process group then. */
static int wait_limited(pid_t pid, uint64_t wall_ms, int *status, struct rusage *ru, bool *killed)
{
    uint64_t t0 = rbx_clock_ms();
    *killed = false;
    for (;;) {
        pid_t w = wait4(pid, status, WNOHANG, ru);
        if (w == pid)
            return 0;
        if (w < 0 && errno != EINTR)
            return -1;
        if (!*killed && ms_since(t0) >= wall_ms) {
            kill(-pid, SIGKILL);
            *killed = true;
        }
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
    }
}

static int run_on_host(void *ctx, rbx_grading_phase phase, const char *const *argv,
                       const char *stdin_data, size_t stdin_len, uint64_t wall_cap_ms,
                       bool keep_changes, rbx_sandbox_result *r, rbx_error *err)
{
    fake_runner *f = ctx;
    uint64_t wall = phase == RBX_GRADING_COMPILE
                        ? (f->compile_wall_ms ? f->compile_wall_ms : 120000)
                        : (f->run_wall_ms ? f->run_wall_ms : 10000);
    if (wall_cap_ms && wall_cap_ms < wall)
        wall = wall_cap_ms;
    phase == RBX_GRADING_RUN ? f->runs++ : f->compiles++; /* a load check is a step before */
    f->kept_changes += keep_changes; /* on the host, the writes stay either way */
    memset(r, 0, sizeof(*r));
    int in = memfd_with("stdin", stdin_data ? stdin_data : "", stdin_data ? stdin_len : 0);
    int out = memfd_create("stdout", MFD_CLOEXEC), errfd = memfd_create("stderr", MFD_CLOEXEC);
    if (in < 0 || out < 0 || errfd < 0)
        return rbx_error_errno(err, "memfd");
    uint64_t t0 = rbx_clock_ms();
    pid_t pid = fork();
    if (pid < 0)
        return rbx_error_errno(err, "fork");
    if (pid == 0)
        child(f->workdir_fd, in, out, errfd, argv);
    int status = 0;
    struct rusage ru;
    bool killed;
    if (wait_limited(pid, wall, &status, &ru, &killed) < 0)
        return rbx_error_errno(err, "wait4");
    kill(-pid, SIGKILL); /* stragglers of the group */
    r->wall_time_ms = ms_since(t0);
    r->cpu_time_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                     (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
    r->memory_kb = (uint64_t)ru.ru_maxrss;
    bool cut_out, cut_err;
    r->stdout_buf = read_back(out, &r->stdout_len, &cut_out);
    r->stderr_buf = read_back(errfd, &r->stderr_len, &cut_err);
    close(in);
    close(out);
    close(errfd);
    r->truncated = cut_out || cut_err;
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (killed) {
        r->status = RBX_SANDBOX_TIME_LIMIT;
        r->wall_limit_hit = true;
        snprintf(r->message, sizeof(r->message), "wall time limit of %llu ms exceeded",
                 (unsigned long long)wall);
    } else if (r->truncated) {
        r->status = RBX_SANDBOX_OUTPUT_LIMIT;
    } else {
        r->status = r->exit_code == 0 ? RBX_SANDBOX_OK : RBX_SANDBOX_RUNTIME_ERROR;
    }
    return 0;
}

int fake_run(void *ctx, rbx_grading_phase phase, const char *const *argv, const char *stdin_data,
             size_t stdin_len, uint64_t wall_cap_ms, bool keep_changes, rbx_run_result *result,
             rbx_error *err)
{
    fake_runner *f = ctx;
    rbx_sandbox_result r;
    /* as the engine runs a command before the prebuilt parts are built:
     * an element naming {prebuilt} is left out */
    char **ready = rbx_argv_prebuilt(argv, NULL, err);
    if (!ready)
        return -1;
    int rc = run_on_host(ctx, phase, (const char *const *)ready, stdin_data, stdin_len, wall_cap_ms,
                         keep_changes, &r, err);
    rbx_argv_free(ready);
    if (rc < 0)
        return -1;
    rbx_run_result_take(result, f->lang, &r); /* the engine's one verdict function */
    return 0;
}
