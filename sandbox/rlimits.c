/* rlimits of the program. They back up the cgroup, never replace it where a
 * cgroup exists: RLIMIT_AS in particular breaks the JVM and Go, which reserve
 * far more address space than they use. Without a cgroup (rootless without a
 * delegated subtree) RLIMIT_DATA stands in for the memory limit and
 * RLIMIT_NPROC (counted per user namespace since Linux 5.14, so per box) for
 * pids.max.
 *
 * Limits are only lowered, never raised: the service may lack
 * CAP_SYS_RESOURCE, and the box must never get more than its parent had. */
#include <errno.h>
#include <sys/resource.h>

#include "sandbox/internal.h"

static int lower(int resource, rlim_t value, const char *name, child_error *e)
{
    struct rlimit cur;
    if (getrlimit(resource, &cur) != 0)
        return child_fail(e, errno, "getrlimit", name);
    struct rlimit want = {.rlim_cur = value, .rlim_max = value};
    if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < value)
        want.rlim_cur = want.rlim_max = cur.rlim_max;
    if (setrlimit(resource, &want) != 0)
        return child_fail(e, errno, "setrlimit", name);
    return 0;
}

int rlimits_apply(const rbx_sandbox_limits *lim, bool have_cgroup, child_error *e)
{
    if (lower(RLIMIT_CORE, 0, "RLIMIT_CORE", e) != 0)
        return -1;
    if (lower(RLIMIT_FSIZE, (rlim_t)lim->file_size_kb * 1024, "RLIMIT_FSIZE", e) != 0)
        return -1;
    if (lower(RLIMIT_NOFILE, lim->open_files, "RLIMIT_NOFILE", e) != 0)
        return -1;
    if (lower(RLIMIT_STACK, 8 * 1024 * 1024, "RLIMIT_STACK", e) != 0)
        return -1;
    if (lower(RLIMIT_MEMLOCK, 64 * 1024, "RLIMIT_MEMLOCK", e) != 0)
        return -1;
    if (lim->cpu_time_ms) {
        /* A backstop a second past the timer's kill: SIGXCPU if the supervisor is stuck. */
        rlim_t seconds = (rlim_t)(lim->cpu_time_ms + 999) / 1000 + 1;
        if (lower(RLIMIT_CPU, seconds, "RLIMIT_CPU", e) != 0)
            return -1;
    }
    if (lim->processes && lower(RLIMIT_NPROC, lim->processes, "RLIMIT_NPROC", e) != 0)
        return -1;
    if (!have_cgroup && lim->memory_kb &&
        lower(RLIMIT_DATA, (rlim_t)lim->memory_kb * 1024, "RLIMIT_DATA", e) != 0)
        return -1;
    return 0;
}
