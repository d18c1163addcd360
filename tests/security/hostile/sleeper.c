/* Sleep argv[1] milliseconds without using CPU; argv[2...] are ignored, so
 * the runner can put a marker on the command line. */
#define _GNU_SOURCE
#include "hostile.h"

#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 60000;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    printf("woke up\n");
    return 0;
}
