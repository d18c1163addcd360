#include "common/slots.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

int rbx_slots_prepare(const char *dir, rbx_error *err)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create slot directory %s", dir);
    struct stat st;
    if (stat(dir, &st) < 0)
        return rbx_error_errno(err, "cannot stat slot directory %s", dir);
    if (!S_ISDIR(st.st_mode))
        return rbx_error_internal(err, "slot directory %s is not a directory", dir);
    return 0;
}

static int open_slot_file(const char *dir, const char *name, int index, rbx_error *err)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s.%d", dir, name, index);
    if (n < 0 || (size_t)n >= sizeof(path))
        return rbx_error_internal(err, "slot path under %s is too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open slot file %s", path);
    return fd;
}

/* One pass over the pool: 1 with *fd_out locked, 0 when all are busy. The
 * starting index rotates with the pid so concurrent callers spread out instead
 * of all fighting over slot 0. */
static int try_each_slot(const char *dir, const char *name, int count, int *fd_out, rbx_error *err)
{
    int start = (int)(getpid() % count);
    for (int k = 0; k < count; k++) {
        int fd = open_slot_file(dir, name, (start + k) % count, err);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *fd_out = fd;
            return 1;
        }
        int saved = errno;
        close(fd);
        if (saved != EWOULDBLOCK) {
            errno = saved;
            return rbx_error_errno(err, "cannot lock slot %s.%d", name, (start + k) % count);
        }
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int rbx_slot_acquire(const char *dir, const char *name, int count, int wait_ms, rbx_slot *slot,
                     rbx_error *err)
{
    slot->fd = -1;
    if (count <= 0 || strchr(name, '/'))
        return rbx_error_internal(err, "bad slot pool '%s' of %d", name, count);
    /* +1: rbx_clock_ms() truncates, so a deadline from it could come up to 1 ms early. */
    long long deadline = (long long)rbx_clock_ms() + 1 + (wait_ms > 0 ? wait_ms : 0);
    /* Polling with a pause of 1, then 2 ms: a waiter costs a few syscalls per
     * pause. Longer pauses (up to 25 ms) let a request that arrived later
     * take a freed slot before one that was sleeping: under 4 clients for 2
     * slots, the 99th percentile was 1.05 s; with 2 ms, 0.36 s. */
    int pause = 1;
    for (;;) {
        int rc = try_each_slot(dir, name, count, &slot->fd, err);
        if (rc != 0)
            return rc;
        long long left = deadline - (long long)rbx_clock_ms();
        if (left <= 0)
            return 0;
        sleep_ms((int)(left < pause ? left : pause));
        if (pause < 2)
            pause *= 2;
    }
}

void rbx_slot_release(rbx_slot *slot)
{
    if (slot && slot->fd >= 0) {
        close(slot->fd); /* closing the only descriptor drops the flock */
        slot->fd = -1;
    }
}

int rbx_slots_in_use(const char *dir, const char *name, int count, rbx_error *err)
{
    int busy = 0;
    for (int i = 0; i < count; i++) {
        int fd = open_slot_file(dir, name, i, err);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            flock(fd, LOCK_UN);
        else if (errno == EWOULDBLOCK)
            busy++;
        close(fd);
    }
    return busy;
}
