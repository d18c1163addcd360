/* Open files until the kernel refuses, then try to go past the limit with
 * dup2 to a huge descriptor number. */
#define _GNU_SOURCE
#include "hostile.h"

#include <fcntl.h>

int main(void)
{
    long opened = 0;
    int fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        opened++;
    printf("open refused after %ld: errno=%s\n", opened, errname(errno));
    report("dup2 1000000", dup2(0, 1000000));
    return 0;
}
