/* Write forever to stdout, stderr or both (argv[1]). */
#define _GNU_SOURCE
#include "hostile.h"

#include <signal.h>

int main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : "stdout";
    int out = strcmp(where, "stderr") != 0;
    int err = strcmp(where, "stdout") != 0;
    static char block[65536];
    memset(block, 'A', sizeof block);
    signal(SIGPIPE, SIG_IGN); /* keep writing even when the reader gave up */
    for (;;) {
        if (out && write(STDOUT_FILENO, block, sizeof block) < 0 && !err)
            continue;
        if (err && write(STDERR_FILENO, block, sizeof block) < 0 && !out)
            continue;
    }
}
