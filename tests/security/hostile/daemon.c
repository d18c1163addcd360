/* A daemon that tries to outlive its run: double fork, setsid, close the
 * output pipes (so the supervisor sees EOF), ignore the polite signals,
 * rename itself, and keep appending to /box/alive so the host can see
 * whether it still runs after the run is over. */
#define _GNU_SOURCE
#include "hostile.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

static void live_forever(void)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "kworker/0:1", 0, 0, 0);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
        if (null >= 0)
            dup2(null, fd);
    for (;;) {
        int fd = open("/box/alive", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            if (write(fd, "x", 1) < 0) {
                /* the box may be gone: keep trying */
            }
            close(fd);
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int main(void)
{
    pid_t child = fork();
    if (child < 0) {
        printf("fork: errno=%s\n", errname(errno));
        return 2;
    }
    if (child == 0) {
        if (setsid() < 0)
            _exit(3);
        pid_t grandchild = fork();
        if (grandchild == 0)
            live_forever();
        _exit(0);
    }
    waitpid(child, NULL, 0);
    printf("daemon started\n");
    return 0;
}
