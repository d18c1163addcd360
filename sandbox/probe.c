/* What isolation this host gives (for GET /health and `runbox-sandbox --probe`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "sandbox/internal.h"

static bool userns_enabled(void)
{
    int fd = open("/proc/sys/user/max_user_namespaces", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[32] = {0};
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0 || buf[0] == '0')
        return false;
    fd = open("/proc/sys/kernel/unprivileged_userns_clone", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || geteuid() == 0) { /* no Debian knob, or root: allowed */
        if (fd >= 0)
            close(fd);
        return true;
    }
    n = read(fd, buf, 1);
    close(fd);
    return n == 1 && buf[0] != '0';
}

int rbx_sandbox_probe(rbx_sandbox_caps *caps, rbx_error *err)
{
    const struct sock_fprog *prog;
    caps->userns = userns_enabled();
    caps->rootless = geteuid() != 0;
    caps->cgroup = cgroup_mode_name(cgroup_detect());
    cgroup_describe(caps->cgroup_dir, sizeof(caps->cgroup_dir), caps->cgroup_controllers,
                    sizeof(caps->cgroup_controllers));
    caps->seccomp = seccomp_program_get(&prog, err) == 0;
    if (!caps->userns)
        return rbx_error_internal(err, "user namespaces are disabled on this host");
    return cgroup_prepare(err);
}

int rbx_sandbox_cgroup_setup(rbx_error *err)
{
    return cgroup_prepare(err);
}
