/* cgroup v2: one directory per box with memory.max, memory.swap.max 0,
 * memory.oom.group, pids.max and cpu.max. It needs a delegated subtree (what
 * systemd's Delegate=yes gives a service, or user@.service a user): our cgroup
 * must offer the memory, pids and cpu controllers and be writable by us.
 *
 * v2 lets a cgroup enable controllers for its children only while it holds no
 * process itself ("no internal processes"), and a service starts inside the
 * cgroup it was given. So, at start, the process that will fork the
 * supervisors moves itself into a leaf, the layout systemd documents for
 * delegation:
 *
 *   <given>/               memory pids cpu enabled for children, no process
 *   <given>/supervisor/    the service (pool master, its workers, the async
 *                          worker's job runners: they are forked after the move)
 *   <given>/runbox/        memory pids cpu enabled for children, no process
 *   <given>/runbox/box-<pid>-<n>/   one box
 *
 * A process that finds itself in <given>/supervisor (forked or started after
 * the move) uses <given>. The root of the hierarchy is exempt from the rule:
 * there nothing moves. */
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

#define V2_SUPERVISOR_LEAF "supervisor"
#define V2_BOXES "runbox"
#define V2_ENABLE "+memory +pids +cpu"

static const char *const v2_needed[] = {"memory", "pids", "cpu"};
enum { V2_NEEDED = sizeof(v2_needed) / sizeof(v2_needed[0]) };

/* The cgroup given to us; its V2_BOXES child holds the boxes. Set by
 * cgroup_v2_prepare. */
static char v2_base[512];

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

/* Is `name` a word of the space-separated controller list in dir/file? */
static bool list_file_has(const char *dir, const char *file, const char *name)
{
    char path[600], buf[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (rbx_read_file(path, buf, sizeof(buf)) <= 0)
        return false;
    size_t len = strlen(name);
    for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n"))
        if (strlen(w) == len && memcmp(w, name, len) == 0)
            return true;
    return false;
}

static bool has_all(const char *dir, const char *file)
{
    for (int i = 0; i < V2_NEEDED; i++)
        if (!list_file_has(dir, file, v2_needed[i]))
            return false;
    return true;
}

static bool dir_has_file(const char *dir, const char *file)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* The cgroup we were given: our own, or its parent when a process of ours
 * already moved into the supervisor leaf. */
static int v2_given_dir(char *out, size_t outlen)
{
    char mnt[64], own[512];
    if (v2_mount(mnt, sizeof(mnt)) != 0 || cgroup_own_path("", own, sizeof(own)) != 0)
        return -1;
    /* A hybrid host binds memory, pids and cpu to v1: v2 is not ours to use. */
    if (!list_file_has(mnt, "cgroup.controllers", "memory"))
        return -1;
    if (snprintf(out, outlen, "%s%s", mnt, own) >= (int)outlen)
        return -1;
    char *slash = strrchr(out, '/');
    if (slash && strcmp(slash + 1, V2_SUPERVISOR_LEAF) == 0) {
        *slash = '\0';
        if (!has_all(out, "cgroup.subtree_control"))
            *slash = '/'; /* a cgroup of someone else's that happens to be named so */
    }
    return 0;
}

/* What controllers of ours `dir` lacks, for the error message. */
static void v2_missing(const char *dir, char *out, size_t outlen)
{
    out[0] = '\0';
    for (int i = 0; i < V2_NEEDED; i++)
        if (!list_file_has(dir, "cgroup.controllers", v2_needed[i]))
            snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? " " : "",
                     v2_needed[i]);
}

static int v2_busy_error(const char *base, rbx_error *err)
{
    char path[600], pids[128] = "";
    snprintf(path, sizeof(path), "%s/cgroup.procs", base);
    if (rbx_read_file(path, pids, sizeof(pids)) < 0)
        pids[0] = '\0';
    size_t n = strlen(pids);
    while (n > 0 && pids[n - 1] == '\n')
        pids[--n] = '\0';
    for (char *p = pids; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return rbx_error_internal(err,
                              "cgroup v2: %s holds other processes (%s) than this one, so it "
                              "cannot enable controllers for boxes; give runbox a cgroup of its "
                              "own (systemd: Delegate=yes, or systemd-run --scope -p Delegate=yes)",
                              base, pids);
}

/* Not the hierarchy's root: move ourselves into the supervisor leaf, then
 * enable our controllers for the children of the given cgroup. */
static int v2_leave_given(const char *base, rbx_error *err)
{
    if (has_all(base, "cgroup.subtree_control"))
        return 0;
    char leaf[600], pid[32];
    snprintf(leaf, sizeof(leaf), "%s/" V2_SUPERVISOR_LEAF, base);
    if (mkdir(leaf, 0755) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cgroup v2: cannot create %s", leaf);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    if (cgroup_write_file(leaf, "cgroup.procs", pid, err) != 0)
        return -1;
    cgroup_forget_own();
    if (cgroup_write_file(base, "cgroup.subtree_control", V2_ENABLE, err) == 0)
        return 0;
    int saved = errno;
    /* Back where we were, and no leaf left behind. */
    if (cgroup_write_file(base, "cgroup.procs", pid, NULL) == 0)
        (void)rmdir(leaf);
    cgroup_forget_own();
    return saved == EBUSY ? v2_busy_error(base, err) : -1;
}

int cgroup_v2_prepare(rbx_error *err)
{
    char base[512];
    if (v2_given_dir(base, sizeof(base)) != 0)
        return 0;
    char path[600];
    snprintf(path, sizeof(path), "%s/cgroup.controllers", base);
    char list[256];
    if (rbx_read_file(path, list, sizeof(list)) < 0 || access(base, W_OK) != 0)
        return 0; /* not delegated to us */
    char missing[64];
    v2_missing(base, missing, sizeof(missing));
    if (missing[0])
        return rbx_error_internal(
            err,
            "cgroup v2: %s is delegated without the %s controller(s) runbox needs "
            "(systemd: Delegate=yes, or Delegate=memory pids cpu; it has: %.*s)",
            base, missing, (int)strcspn(list, "\n"), list);
    /* The root has no cgroup.type and may hold processes and enable controllers. */
    bool root = !dir_has_file(base, "cgroup.type");
    if (root && !has_all(base, "cgroup.subtree_control") &&
        cgroup_write_file(base, "cgroup.subtree_control", V2_ENABLE, err) != 0)
        return -1;
    if (!root && v2_leave_given(base, err) != 0)
        return -1;
    char boxes[600];
    snprintf(boxes, sizeof(boxes), "%s/" V2_BOXES, base);
    if (mkdir(boxes, 0755) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cgroup v2: cannot create %s", boxes);
    if (!has_all(boxes, "cgroup.subtree_control") &&
        cgroup_write_file(boxes, "cgroup.subtree_control", V2_ENABLE, err) != 0)
        return -1;
    snprintf(v2_base, sizeof(v2_base), "%s", base);
    return 1;
}

const char *cgroup_v2_boxes_parent(void)
{
    static char boxes[600];
    snprintf(boxes, sizeof(boxes), "%s/" V2_BOXES, v2_base);
    return boxes;
}

int cgroup_v2_create(box_cgroup *cg, const char *leaf, rbx_error *err)
{
    const char *parent = cgroup_v2_boxes_parent();
    if (snprintf(cg->path[0], sizeof(cg->path[0]), "%s/%s", parent, leaf) >=
        (int)sizeof(cg->path[0]))
        return rbx_error_internal(err, "cgroup path too long: %s", parent);
    if (mkdir(cg->path[0], 0755) != 0)
        return rbx_error_errno(err, "cannot create %s", cg->path[0]);
    cg->n_paths = 1;
    /* An OOM kill ends the whole box, not one process a runtime could survive. */
    if (cgroup_write_file(cg->path[0], "memory.oom.group", "1", err) != 0)
        return -1;
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
    cgroup_remove_stale_boxes(cgroup_v2_boxes_parent());
    return 0;
}
