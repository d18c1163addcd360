/* Burn CPU forever in argv[1] threads (default 1). */
#define _GNU_SOURCE
#include "hostile.h"

#include <pthread.h>
#include <stdlib.h>

static void *spin(void *arg)
{
    volatile unsigned long n = 0;
    (void)arg;
    for (;;)
        n++;
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 1; i < threads; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, spin, NULL) != 0) {
            printf("pthread_create failed\n");
            return 2;
        }
    }
    spin(NULL);
    return 0;
}
