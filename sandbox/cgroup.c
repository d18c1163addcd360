/* Cgroup limits and accounting of one box: cgroup v2 when this process's v2
 * cgroup has the memory and pids controllers and is writable (a delegated
 * subtree), else v1 when the memory, pids, cpu and cpuacct hierarchies are
 * writable, else none (rlimits.c then carries the limits, and probe says so).
 *
 * Every box cgroup is <controller dir of our own cgroup>/runbox/box-<pid>-<n>,
 * so leftovers are easy to find and a dead supervisor's are recognisable:
 * cgroup_cleanup_stale() removes those whose <pid> no longer runs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "sandbox/internal.h"

int cgroup_write_file(const char *dir, const char *file, const char *value, rbx_error *err)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open %s", path);
    ssize_t n = write(fd, value, strlen(value));
    int saved = errno;
    close(fd);
    if (n != (ssize_t)strlen(value)) {
        errno = n < 0 ? saved : EIO;
        return rbx_error_errno(err, "cannot write %s to %s", value, path);
    }
    return 0;
}

int cgroup_read_u64(const char *dir, const char *file, uint64_t *value)
{
    char path[512], buf[64];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (rbx_read_file(path, buf, sizeof(buf)) <= 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf)
        return -1;
    *value = v;
    return 0;
}

/* /proc/self/cgroup, read once: our cgroups do not change while we run boxes
 * (cgroup_v2_prepare moves us once, before any box, and says so). */
static char own_table[4096];
static bool own_loaded;

void cgroup_forget_own(void)
{
    own_loaded = false;
}

static const char *own_cgroup_table(void)
{
    if (!own_loaded) {
        int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return NULL;
        ssize_t n = read(fd, own_table, sizeof(own_table) - 1);
        close(fd);
        if (n <= 0)
            return NULL;
        own_table[n] = '\0';
        own_loaded = true;
    }
    return own_table;
}

static bool list_has(const char *list, size_t len, const char *controller)
{
    size_t clen = strlen(controller);
    for (const char *p = list; p < list + len;) {
        const char *comma = memchr(p, ',', (size_t)(list + len - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(list + len - p);
        if (n == clen && memcmp(p, controller, n) == 0)
            return true;
        p += n + 1;
    }
    return false;
}

/* Our own cgroup for `controller` ("" for the v2 hierarchy), from /proc/self/cgroup. */
int cgroup_own_path(const char *controller, char *out, size_t outlen)
{
    const char *table = own_cgroup_table();
    if (!table)
        return -1;
    for (const char *line = table; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
        if (c2) {
            size_t llen = (size_t)(c2 - c1 - 1);
            bool match = controller[0] ? list_has(c1 + 1, llen, controller) : llen == 0;
            if (match) {
                int plen = (int)(end - c2 - 1);
                if (plen == 1 && c2[1] == '/')
                    plen = 0;
                int n = snprintf(out, outlen, "%.*s", plen, c2 + 1);
                return n >= 0 && (size_t)n < outlen ? 0 : -1;
            }
        }
        line = *end ? end + 1 : end;
    }
    return -1;
}

void cgroup_leaf_name(char *out, size_t outlen)
{
    static unsigned counter;
    snprintf(out, outlen, "box-%d-%u", (int)getpid(),
             __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
}

/* A process that exited but was not reaped yet: its parent was killed too and
 * whoever inherits it (pid 1 of a container, a subreaper) may reap it late, and
 * kill(pid, 0) still succeeds on it. */
static bool is_zombie(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')'); /* the name may hold spaces and ')' */
    return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* The supervisor that made box-<pid>-<n> is gone: no such process, or only
 * its unreaped corpse (a stack SIGKILLed as a whole leaves those). */
static bool owner_is_dead(const char *name)
{
    int pid;
    unsigned n;
    if (sscanf(name, "box-%d-%u", &pid, &n) != 2 || pid <= 0)
        return false;
    if (pid == getpid())
        return false;
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    return is_zombie(pid);
}

/* SIGKILL every process still in a box cgroup: cgroup.kill where the kernel
 * has it (v2), else each pid of cgroup.procs (v1). */
static void kill_box_members(const char *dir)
{
    char path[600];
    if (snprintf(path, sizeof(path), "%s/cgroup.kill", dir) >= (int)sizeof(path))
        return;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, "1", 1);
        close(fd);
    }
    if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
        return;
    FILE *f = fopen(path, "re");
    if (f) {
        int pid;
        while (fscanf(f, "%d", &pid) == 1)
            kill(pid, SIGKILL);
        fclose(f);
    }
}

/* Kill what is left in a stale box cgroup (its init died with its supervisor,
 * but its members may still be exiting, or a fork raced the first kill) and
 * remove it. A killed program with a large heap can take a while to leave
 * under load, so this retries kill and rmdir for up to 3 s rather than give
 * up after the first EBUSY and leave the cgroup to the next sweep. */
static void remove_stale_box(const char *dir)
{
    for (int i = 0; i < 300; i++) {
        kill_box_members(dir);
        if (rmdir(dir) == 0 || errno != EBUSY)
            return;
        usleep(10000);
    }
}

void cgroup_remove_stale_boxes(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "box-", 4) != 0 || !owner_is_dead(e->d_name))
            continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", parent, e->d_name);
        remove_stale_box(dir);
    }
    closedir(d);
}

static cgroup_mode detected = (cgroup_mode)-1;
static rbx_error prepare_error; /* why a delegated v2 cgroup cannot be used */

int cgroup_prepare(rbx_error *err)
{
    if (detected == (cgroup_mode)-1) {
        rbx_error_clear(&prepare_error);
        if (getenv("RUNBOX_SANDBOX_NO_CGROUP"))
            detected = CGROUP_NONE; /* for tests of the rlimit fallback */
        else if (cgroup_v2_prepare(&prepare_error) != 0)
            detected = CGROUP_V2; /* also when it failed: boxes then fail with its reason */
        else if (cgroup_v1_usable())
            detected = CGROUP_V1;
        else
            detected = CGROUP_NONE;
    }
    if (prepare_error.message[0]) {
        if (err)
            *err = prepare_error;
        return -1;
    }
    return 0;
}

cgroup_mode cgroup_detect(void)
{
    (void)cgroup_prepare(NULL);
    return detected;
}

void cgroup_describe(char *dir, size_t dirlen, char *controllers, size_t ctllen)
{
    cgroup_mode m = cgroup_detect();
    dir[0] = controllers[0] = '\0';
    if (m == CGROUP_V2 && !prepare_error.message[0]) {
        snprintf(dir, dirlen, "%s", cgroup_v2_boxes_parent());
        snprintf(controllers, ctllen, "memory pids cpu");
    } else if (m == CGROUP_V1) {
        cgroup_v1_describe(dir, dirlen);
        snprintf(controllers, ctllen, "memory pids cpu cpuacct");
    }
}

const char *cgroup_mode_name(cgroup_mode m)
{
    return m == CGROUP_V2 ? "v2" : m == CGROUP_V1 ? "v1" : "none";
}

int cgroup_create(box_cgroup *cg, rbx_error *err)
{
    memset(cg, 0, sizeof(*cg));
    cg->cpu_usage_fd = -1;
    if (cgroup_prepare(err) != 0)
        return -1;
    cg->mode = cgroup_detect();
    if (cg->mode == CGROUP_NONE)
        return 0;
    char leaf[64];
    cgroup_leaf_name(leaf, sizeof(leaf));
    int rc =
        cg->mode == CGROUP_V2 ? cgroup_v2_create(cg, leaf, err) : cgroup_v1_create(cg, leaf, err);
    if (rc != 0)
        cgroup_destroy(cg);
    return rc;
}

int cgroup_set_limits(const box_cgroup *cg, const rbx_sandbox_limits *lim, rbx_error *err)
{
    if (cg->mode == CGROUP_V2)
        return cgroup_v2_set_limits(cg, lim, err);
    return cg->mode == CGROUP_V1 ? cgroup_v1_set_limits(cg, lim, err) : 0;
}

int cgroup_attach(const box_cgroup *cg, pid_t pid, rbx_error *err)
{
    char value[32];
    snprintf(value, sizeof(value), "%d", (int)pid);
    for (int i = 0; i < cg->n_paths; i++)
        if (cgroup_write_file(cg->path[i], "cgroup.procs", value, err) != 0)
            return -1;
    return 0;
}

int cgroup_cpu_usage_ns(const box_cgroup *cg, uint64_t *ns)
{
    if (cg->mode == CGROUP_V2)
        return cgroup_v2_cpu_usage_ns(cg, ns);
    if (cg->mode == CGROUP_V1)
        return cgroup_v1_cpu_usage_ns(cg, ns);
    return -1;
}

uint64_t cgroup_peak_memory_kb(const box_cgroup *cg)
{
    if (cg->mode == CGROUP_V2)
        return cgroup_v2_peak_memory_kb(cg);
    if (cg->mode == CGROUP_V1)
        return cgroup_v1_peak_memory_kb(cg);
    return 0;
}

bool cgroup_oom_killed(const box_cgroup *cg)
{
    if (cg->mode == CGROUP_V2)
        return cgroup_v2_oom_killed(cg);
    if (cg->mode == CGROUP_V1)
        return cgroup_v1_oom_killed(cg);
    return false;
}

/* The pid namespace dies with its init, so this is a second line only. */
void cgroup_kill_all(const box_cgroup *cg)
{
    if (cg->mode == CGROUP_V2)
        cgroup_v2_kill(cg);
}

void cgroup_destroy(box_cgroup *cg)
{
    if (cg->cpu_usage_fd >= 0)
        close(cg->cpu_usage_fd);
    cg->cpu_usage_fd = -1;
    for (int i = cg->n_paths - 1; i >= 0; i--) {
        /* Right after the last task exits, v1 may still answer EBUSY for a moment. */
        for (int tries = 0; rmdir(cg->path[i]) != 0 && errno == EBUSY && tries < 100; tries++)
            usleep(1000);
    }
    cg->n_paths = 0;
}

int cgroup_cleanup_stale(rbx_error *err)
{
    (void)err;
    cgroup_mode m = cgroup_detect();
    if (m == CGROUP_V2)
        return cgroup_v2_cleanup_stale();
    if (m == CGROUP_V1)
        return cgroup_v1_cleanup_stale();
    return 0;
}
