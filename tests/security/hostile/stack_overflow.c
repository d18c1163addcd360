/* Recursion with large frames that are really written to, far deeper than
 * any stack (the bound only keeps the compiler from calling it infinite). */
#define _GNU_SOURCE
#include "hostile.h"

#include <stdlib.h>

static long dive(long depth, long limit)
{
    volatile char frame[16384];
    if (depth >= limit)
        return 0;
    for (size_t i = 0; i < sizeof frame; i += 512)
        frame[i] = (char)depth;
    return dive(depth + 1, limit) + frame[depth % sizeof frame];
}

int main(int argc, char **argv)
{
    long limit = argc > 1 ? atol(argv[1]) : 1L << 40;
    printf("%ld\n", dive(0, limit));
    return 0;
}
