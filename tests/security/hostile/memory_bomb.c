/* Memory bomb: allocate and touch argv[1] MiB (default: forever), 1 MiB at a
 * time, so the pages are really charged to the box. */
#define _GNU_SOURCE
#include "hostile.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    long want = argc > 1 ? atol(argv[1]) : -1;
    long got = 0;
    while (want < 0 || got < want) {
        char *chunk = malloc(1 << 20);
        if (!chunk) {
            printf("malloc failed after %ld MiB\n", got);
            return 3;
        }
        memset(chunk, 0xa5, 1 << 20);
        got++;
    }
    printf("touched %ld MiB\n", got);
    return 0;
}
