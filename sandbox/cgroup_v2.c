/* cgroup v2: one directory with memory.max, memory.swap.max 0, pids.max and
 * cpu.max. It needs a delegated subtree: our own cgroup must let us enable
 * the memory, pids and cpu controllers for children. Because of v2's "no
 * processes in inner nodes" rule, boxes live under <our cgroup>/runbox, which
 * holds no process itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/io.h"
#include "sandbox/internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int v2_mount(char *out, size_t outlen)
{
    static const char *const candidates[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        struct statfs sf;
        if (statfs(candidates[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
            snprintf(out, outlen, "%s", candidates[i]);
            return 0;
        }
    }
    return -1;
}

static int v2_own_dir(char *out, size_t outlen)
{
    char mnt[64], own[512];
    if (v2_mount(mnt, sizeof(mnt)) != 0 || cgroup_own_path("", own, sizeof(own)) != 0)
        return -1;
    snprintf(out, outlen, "%s%s", mnt, own);
    return 0;
}

static bool has_controllers(const char *dir, const char *file)
{
    char path[600], buf[256];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (rbx_read_file(path, buf, sizeof(buf)) <= 0)
        return false;
    return strstr(buf, "memory") && strstr(buf, "pids") && strstr(buf, "cpu");
}

bool cgroup_v2_usable(void)
{
    char own[600];
    if (v2_own_dir(own, sizeof(own)) != 0)
        return false;
    return has_controllers(own, "cgroup.controllers") && access(own, W_OK) == 0;
}

/* <own>/runbox with memory, pids and cpu enabled for its children. */
static int v2_prepare_parent(char *parent, size_t len, rbx_error *err)
{
    char own[600];
    if (v2_own_dir(own, sizeof(own)) != 0)
        return rbx_error_internal(err, "no cgroup v2 hierarchy");
    snprintf(parent, len, "%s/runbox", own);
    if (mkdir(parent, 0755) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create %s", parent);
    if (!has_controllers(own, "cgroup.subtree_control") &&
        cgroup_write_file(own, "cgroup.subtree_control", "+memory +pids +cpu", err) != 0)
        return -1;
    if (!has_controllers(parent, "cgroup.subtree_control") &&
        cgroup_write_file(parent, "cgroup.subtree_control", "+memory +pids +cpu", err) != 0)
        return -1;
    return 0;
}

int cgroup_v2_create(box_cgroup *cg, const char *leaf, rbx_error *err)
{
    char parent[700];
    if (v2_prepare_parent(parent, sizeof(parent), err) != 0)
        return -1;
    if (snprintf(cg->path[0], sizeof(cg->path[0]), "%s/%s", parent, leaf) >=
        (int)sizeof(cg->path[0]))
        return rbx_error_internal(err, "cgroup path too long: %s", parent);
    if (mkdir(cg->path[0], 0755) != 0)
        return rbx_error_errno(err, "cannot create %s", cg->path[0]);
    cg->n_paths = 1;
    char stat[800];
    snprintf(stat, sizeof(stat), "%s/cpu.stat", cg->path[0]);
    cg->cpu_usage_fd = open(stat, O_RDONLY | O_CLOEXEC);
    if (cg->cpu_usage_fd < 0)
        return rbx_error_errno(err, "cannot open %s", stat);
    return 0;
}

int cgroup_v2_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err)
{
    const char *dir = cg->path[0];
    char value[64];
    if (lim->memory_kb) {
        snprintf(value, sizeof(value), "%llu", (unsigned long long)lim->memory_kb * 1024);
        if (cgroup_write_file(dir, "memory.max", value, err) != 0 ||
            cgroup_write_file(dir, "memory.swap.max", "0", err) != 0)
            return -1;
    }
    if (lim->processes) {
        snprintf(value, sizeof(value), "%llu", (unsigned long long)lim->processes + 1);
        if (cgroup_write_file(dir, "pids.max", value, err) != 0)
            return -1;
    }
    if (lim->cpu_share_milli) {
        snprintf(value, sizeof(value), "%u 100000", lim->cpu_share_milli * 100);
        if (cgroup_write_file(dir, "cpu.max", value, err) != 0)
            return -1;
    }
    return 0;
}

/* A "key value" line of a flat-keyed v2 file. */
static int v2_read_key(int fd, const char *dir, const char *file, const char *key, uint64_t *value)
{
    char buf[1024];
    ssize_t n;
    if (fd >= 0) {
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0)
            buf[n] = '\0';
    } else {
        char path[800];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        n = rbx_read_file(path, buf, sizeof(buf));
    }
    if (n <= 0)
        return -1;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            *value = strtoull(line + klen + 1, NULL, 10);
            return 0;
        }
    }
    return -1;
}

int cgroup_v2_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns)
{
    uint64_t usec;
    if (v2_read_key(cg->cpu_usage_fd, NULL, NULL, "usage_usec", &usec) != 0)
        return -1;
    *ns = usec * 1000;
    return 0;
}

uint64_t cgroup_v2_peak_memory_kb(const box_cgroup *cg)
{
    uint64_t bytes = 0;
    if (cgroup_read_u64(cg->path[0], "memory.peak", &bytes) != 0)
        bytes = 0;
    return bytes / 1024;
}

bool cgroup_v2_oom_killed(const box_cgroup *cg)
{
    uint64_t n = 0;
    return v2_read_key(-1, cg->path[0], "memory.events", "oom_kill", &n) == 0 && n > 0;
}

void cgroup_v2_kill(const box_cgroup *cg)
{
    (void)cgroup_write_file(cg->path[0], "cgroup.kill", "1", NULL);
}

int cgroup_v2_cleanup_stale(void)
{
    char own[600], parent[700];
    if (v2_own_dir(own, sizeof(own)) != 0)
        return 0;
    snprintf(parent, sizeof(parent), "%s/runbox", own);
    cgroup_remove_stale_boxes(parent);
    return 0;
}
