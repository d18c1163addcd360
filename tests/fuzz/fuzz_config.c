/* libFuzzer target: the configuration parser (common/config.c over inih). The
 * input is the file; it is handed over through a memfd, as a path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("runbox-fuzz-config", MFD_CLOEXEC);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        unsetenv("RUNBOX_STATE_DIR");
        unsetenv("RUNBOX_STORE_URL");
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    rbx_config_load(&cfg, path, &err);
    return 0;
}
