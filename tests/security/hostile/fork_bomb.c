/* Fork bomb: every process forks forever. The first process reports once
 * when fork is first refused (the pids limit), then keeps trying. */
#define _GNU_SOURCE
#include "hostile.h"

#include <stdlib.h>
#include <sys/types.h>

int main(void)
{
    pid_t root = getpid();
    long forked = 0;
    int reported = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            continue; /* the child joins the bomb */
        if (pid > 0) {
            forked++;
        } else if (!reported && getpid() == root) {
            printf("fork refused after %ld: errno=%s\n", forked, errname(errno));
            fflush(stdout);
            reported = 1;
        }
    }
}
