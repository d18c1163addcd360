/* Signal everything it can name. "killall CANARY_PID": kill(-1), kill(1),
 * kill(parent), kill(the host canary's pid), kill(0), then every pid up to
 * 32768, and report whether we are still alive. "pgrp MS": after MS ms,
 * signal our own process group and session, which must hold nothing but the
 * box. "stop": stop ourselves, so only the wall clock can end the run. */
#define _GNU_SOURCE
#include "hostile.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "stop")) {
        printf("stopping\n");
        fflush(stdout);
        raise(SIGSTOP);
        printf("continued\n");
        return 0;
    }
    if (argc > 2 && !strcmp(argv[1], "pgrp")) {
        long ms = atol(argv[2]);
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        /* 0 here means the group or session leader is outside our pid namespace. */
        printf("pgrp=%d sid=%d\n", getpgrp(), getsid(0));
        report("kill 0 SIGTERM", kill(0, SIGTERM));
        report("kill 0 SIGHUP", kill(0, SIGHUP));
        printf("survived\n");
        return 0;
    }
    pid_t canary = argc > 2 ? (pid_t)atol(argv[2]) : 0;
    signal(SIGHUP, SIG_IGN);
    printf("pid=%d ppid=%d\n", getpid(), getppid());
    report("kill -1 SIGKILL", kill(-1, SIGKILL));
    report("kill 1 SIGKILL", kill(1, SIGKILL));
    report("kill ppid SIGKILL", kill(getppid(), SIGKILL));
    if (canary > 0)
        report("kill canary SIGKILL", kill(canary, SIGKILL));
    long hit = 0;
    for (pid_t p = 2; p < 32768; p++)
        if (p != getpid() && kill(p, SIGKILL) == 0)
            hit++;
    printf("killed others: %ld\n", hit);
    report("kill 0 SIGHUP", kill(0, SIGHUP));
    printf("survived\n");
    return 0;
}
