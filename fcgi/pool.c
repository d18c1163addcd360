#include "fcgi/pool.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define MAX_WORKERS 256
#define MAX_LIGHT_WORKERS 64
/* A worker that dies sooner than this after its start counts as a failed start. */
#define QUICK_DEATH_MS 1000

struct slot {
    pid_t pid;         /* 0 when the slot is empty */
    long long started; /* monotonic ms */
    bool light;        /* runs light_main */
};

static pid_t spawn_worker(const rbx_pool_options *opt, bool light, const sigset_t *oldmask,
                          int sigfd)
{
    pid_t master = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runbox-fcgi: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* A worker dies with its master: left alone it would keep the socket
         * and answer unsupervised, and no new pool could start on it. The
         * master may have died before the prctl: check. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != master)
            _exit(1);
        /* A worker starts from default dispositions; worker_main installs its own. */
        static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        close(sigfd);
        sigprocmask(SIG_SETMASK, oldmask, NULL);
        fflush(stderr);
        _exit(light ? opt->light_main(opt->ctx) : opt->worker_main(opt->ctx));
    }
    return pid;
}

static void describe_exit(pid_t pid, int status)
{
    if (WIFSIGNALED(status))
        fprintf(stderr, "runbox-fcgi: worker %d killed by signal %d; replacing it\n", (int)pid,
                WTERMSIG(status));
    else
        fprintf(stderr, "runbox-fcgi: worker %d exited with status %d; replacing it\n", (int)pid,
                WEXITSTATUS(status));
}

/* Reap every finished worker; returns how many are still alive. */
static int reap(const rbx_pool_options *opt, struct slot *slots, int n, int stopping,
                int *quick_deaths)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < n; i++) {
            if (slots[i].pid != pid)
                continue;
            if (!stopping) {
                describe_exit(pid, status);
                if ((long long)rbx_clock_ms() - slots[i].started < QUICK_DEATH_MS)
                    (*quick_deaths)++;
                else
                    *quick_deaths = 0;
                if (opt->after_worker_death)
                    opt->after_worker_death(opt->ctx);
            }
            slots[i].pid = 0;
        }
    }
    int alive = 0;
    for (int i = 0; i < n; i++)
        alive += slots[i].pid != 0;
    return alive;
}

static void fill_empty_slots(const rbx_pool_options *opt, struct slot *slots, int n,
                             const sigset_t *oldmask, int sigfd)
{
    for (int i = 0; i < n; i++) {
        if (slots[i].pid)
            continue;
        pid_t pid = spawn_worker(opt, slots[i].light, oldmask, sigfd);
        if (pid > 0) {
            slots[i].pid = pid;
            slots[i].started = (long long)rbx_clock_ms();
        }
    }
}

static void signal_all(struct slot *slots, int n, int sig)
{
    for (int i = 0; i < n; i++)
        if (slots[i].pid)
            kill(slots[i].pid, sig);
}

/* Wait for the workers to finish their requests; SIGKILL them past the deadline. */
static void drain(const rbx_pool_options *opt, struct slot *slots, int n, int sigfd, int timeout_ms)
{
    int ignored = 0;
    long long deadline = (long long)rbx_clock_ms() + timeout_ms;
    signal_all(slots, n, SIGTERM);
    while (reap(opt, slots, n, 1, &ignored) > 0) {
        long long left = deadline - (long long)rbx_clock_ms();
        if (left <= 0) {
            fprintf(stderr, "runbox-fcgi: drain timed out; killing the remaining workers\n");
            signal_all(slots, n, SIGKILL);
            left = 1000;
            deadline = (long long)rbx_clock_ms() + 1000;
        }
        struct pollfd pfd = {.fd = sigfd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) > 0) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
                break;
        }
    }
}

int rbx_pool_run(const rbx_pool_options *opt)
{
    int heavy = opt->workers < 1 ? 1 : opt->workers > MAX_WORKERS ? MAX_WORKERS : opt->workers;
    int light = opt->light_main ? opt->light_workers : 0;
    if (light > MAX_LIGHT_WORKERS)
        light = MAX_LIGHT_WORKERS;
    int n = heavy + light;
    struct slot slots[MAX_WORKERS + MAX_LIGHT_WORKERS];
    memset(slots, 0, sizeof(slots));
    for (int i = heavy; i < n; i++)
        slots[i].light = true;

    sigset_t mask, oldmask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, &oldmask) < 0) {
        perror("runbox-fcgi: sigprocmask");
        return 1;
    }
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sigfd < 0) {
        perror("runbox-fcgi: signalfd");
        return 1;
    }

    fill_empty_slots(opt, slots, n, &oldmask, sigfd);
    fprintf(stderr, "runbox-fcgi: %d workers started (and %d light ones)\n", heavy, light);
    int quick_deaths = 0;
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t got = read(sigfd, &si, sizeof(si));
        if (got < 0 && errno == EINTR)
            continue;
        if (got != (ssize_t)sizeof(si)) {
            perror("runbox-fcgi: signalfd read");
            break;
        }
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            fprintf(stderr, "runbox-fcgi: signal %u: draining\n", si.ssi_signo);
            break;
        }
        if (si.ssi_signo != SIGCHLD)
            continue; /* SIGHUP: nothing to reload yet; ignore rather than die */
        reap(opt, slots, n, 0, &quick_deaths);
        if (quick_deaths >= n)
            sleep(1); /* workers die at start: retry slowly, never spin */
        fill_empty_slots(opt, slots, n, &oldmask, sigfd);
    }
    drain(opt, slots, n, sigfd, opt->drain_timeout_ms);
    close(sigfd);
    fprintf(stderr, "runbox-fcgi: stopped\n");
    return 0;
}
