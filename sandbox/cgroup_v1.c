/* cgroup v1: one hierarchy per controller. The box gets a directory in the
 * memory, pids, cpu and cpuacct hierarchies (cpu and cpuacct are often
 * co-mounted; then once). No freezer: the box dies with its pid namespace's
 * init, which the kernel kills atomically with every process in it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define V1_ROOT "/sys/fs/cgroup"

static const char *const v1_controllers[] = {"memory", "pids", "cpu", "cpuacct"};
enum { V1_MEMORY, V1_PIDS, V1_CPU, V1_CPUACCT, V1_COUNT };

/* <hierarchy>/<our cgroup>/runbox for one controller. */
static int v1_find_parent_dir(const char *controller, char *out, size_t outlen)
{
    char own[512], mnt[PATH_MAX];
    snprintf(mnt, sizeof(mnt), V1_ROOT "/%s", controller);
    char real[PATH_MAX];
    if (!realpath(mnt, real))
        return -1;
    if (cgroup_own_path(controller, own, sizeof(own)) != 0)
        return -1;
    int n = snprintf(out, outlen, "%s%s/runbox", real, own);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* The same, found once per process: our cgroups do not change while we run
 * boxes, and realpath costs a readlink per path component. */
static int v1_parent_dir(const char *controller, char *out, size_t outlen)
{
    static char found[V1_COUNT][600];
    static int state[V1_COUNT]; /* 0 unknown, 1 found, -1 none */
    int i = 0;
    while (i < V1_COUNT && strcmp(v1_controllers[i], controller) != 0)
        i++;
    if (i == V1_COUNT)
        return v1_find_parent_dir(controller, out, outlen);
    if (state[i] == 0)
        state[i] = v1_find_parent_dir(controller, found[i], sizeof(found[i])) == 0 ? 1 : -1;
    if (state[i] < 0)
        return -1;
    int n = snprintf(out, outlen, "%s", found[i]);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

bool cgroup_v1_usable(void)
{
    for (int i = 0; i < V1_COUNT; i++) {
        char parent[600];
        if (v1_parent_dir(v1_controllers[i], parent, sizeof(parent)) != 0)
            return false;
        char *slash = strrchr(parent, '/');
        *slash = '\0';
        if (access(parent, W_OK) != 0)
            return false;
    }
    return true;
}

static int v1_make_dir(box_cgroup *cg, int which, const char *leaf, int *index, rbx_error *err)
{
    char parent[600], dir[700];
    if (v1_parent_dir(v1_controllers[which], parent, sizeof(parent)) != 0)
        return rbx_error_internal(err, "no cgroup v1 %s hierarchy", v1_controllers[which]);
    snprintf(dir, sizeof(dir), "%s/%s", parent, leaf);
    for (int i = 0; i < cg->n_paths; i++) {
        if (strcmp(cg->path[i], dir) == 0) { /* co-mounted with an earlier controller */
            *index = i;
            return 0;
        }
    }
    if (mkdir(parent, 0755) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create %s", parent);
    if (mkdir(dir, 0755) != 0)
        return rbx_error_errno(err, "cannot create %s", dir);
    if (snprintf(cg->path[cg->n_paths], sizeof(cg->path[0]), "%s", dir) >= (int)sizeof(cg->path[0]))
        return rbx_error_internal(err, "cgroup path too long: %s", dir);
    *index = cg->n_paths++;
    return 0;
}

static int v1_set_memory(const char *dir, uint64_t kb, rbx_error *err)
{
    char value[32];
    snprintf(value, sizeof(value), "%llu", (unsigned long long)kb * 1024);
    if (cgroup_write_file(dir, "memory.limit_in_bytes", value, err) != 0)
        return -1;
    /* memsw = memory + swap: equal to the limit means no swap at all. Without
     * swap accounting the file is absent; swappiness 0 is the next best. */
    static int have_memsw = -1; /* swap accounting is the kernel's: look once */
    if (have_memsw < 0) {
        char memsw[700];
        snprintf(memsw, sizeof(memsw), "%s/memory.memsw.limit_in_bytes", dir);
        have_memsw = access(memsw, F_OK) == 0;
    }
    if (have_memsw)
        return cgroup_write_file(dir, "memory.memsw.limit_in_bytes", value, err);
    return cgroup_write_file(dir, "memory.swappiness", "0", err);
}

static int v1_set_cpu_share(const char *dir, uint32_t milli, rbx_error *err)
{
    char value[32];
    if (cgroup_write_file(dir, "cpu.cfs_period_us", "100000", err) != 0)
        return -1;
    snprintf(value, sizeof(value), "%u", milli * 100);
    return cgroup_write_file(dir, "cpu.cfs_quota_us", value, err);
}

int cgroup_v1_create(box_cgroup *cg, const char *leaf, rbx_error *err)
{
    for (int i = 0; i < V1_COUNT; i++)
        if (v1_make_dir(cg, i, leaf, &cg->v1_dir[i], err) != 0)
            return -1;
    char usage[800];
    snprintf(usage, sizeof(usage), "%s/cpuacct.usage", cg->path[cg->v1_dir[V1_CPUACCT]]);
    cg->cpu_usage_fd = open(usage, O_RDONLY | O_CLOEXEC);
    if (cg->cpu_usage_fd < 0)
        return rbx_error_errno(err, "cannot open %s", usage);
    return 0;
}

int cgroup_v1_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err)
{
    if (lim->memory_kb && v1_set_memory(cg->path[cg->v1_dir[V1_MEMORY]], lim->memory_kb, err) != 0)
        return -1;
    if (lim->processes) {
        char value[32];
        /* +1: the box's init is in the cgroup too. */
        snprintf(value, sizeof(value), "%llu", (unsigned long long)lim->processes + 1);
        if (cgroup_write_file(cg->path[cg->v1_dir[V1_PIDS]], "pids.max", value, err) != 0)
            return -1;
    }
    if (lim->cpu_share_milli &&
        v1_set_cpu_share(cg->path[cg->v1_dir[V1_CPU]], lim->cpu_share_milli, err) != 0)
        return -1;
    return 0;
}

int cgroup_v1_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns)
{
    char buf[32];
    ssize_t n = pread(cg->cpu_usage_fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    *ns = strtoull(buf, NULL, 10);
    return 0;
}

static const char *v1_memory_dir(const box_cgroup *cg)
{
    return cg->n_paths > 0 ? cg->path[0] : NULL; /* memory is created first */
}

uint64_t cgroup_v1_peak_memory_kb(const box_cgroup *cg)
{
    uint64_t bytes = 0;
    const char *dir = v1_memory_dir(cg);
    if (dir && cgroup_read_u64(dir, "memory.max_usage_in_bytes", &bytes) != 0)
        bytes = 0;
    return bytes / 1024;
}

bool cgroup_v1_oom_killed(const box_cgroup *cg)
{
    const char *dir = v1_memory_dir(cg);
    if (!dir)
        return false;
    char path[512];
    snprintf(path, sizeof(path), "%s/memory.oom_control", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char key[64];
    unsigned long long value;
    bool killed = false;
    while (fscanf(f, "%63s %llu", key, &value) == 2)
        if (strcmp(key, "oom_kill") == 0 && value > 0)
            killed = true;
    fclose(f);
    return killed;
}

int cgroup_v1_cleanup_stale(void)
{
    for (int i = 0; i < V1_COUNT; i++) {
        char parent[600];
        if (v1_parent_dir(v1_controllers[i], parent, sizeof(parent)) == 0)
            cgroup_remove_stale_boxes(parent);
    }
    return 0;
}

/* For the probe: where the boxes go in the memory hierarchy (the others
 * mirror it). */
void cgroup_v1_describe(char *dir, size_t dirlen)
{
    if (v1_parent_dir("memory", dir, dirlen) != 0)
        dir[0] = '\0';
}
