/* uid slots: when the service runs as root, every concurrent box gets host
 * uids of its own from the configured range, so two boxes can never signal,
 * ptrace or read each other even if both escaped their mount namespaces.
 *
 * Slot k owns host uids base+2k (the box's namespace root, which only builds
 * the box) and base+2k+1 (the program). A slot is held by an flock on
 * <run_dir>/slots/<k>.lock: the kernel drops the lock when its holder dies,
 * so a crashed supervisor can never leak a slot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

static int try_slot(const char *dir, uint32_t k)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%u.lock", dir, k);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int uid_slot_acquire(const sandbox_settings *s, uid_slot *slot, rbx_error *err)
{
    *slot = (uid_slot){.lock_fd = -1};
    if (s->rootless) {
        /* One uid is all an unprivileged user namespace can map: our own. */
        slot->setup_uid = slot->box_uid = geteuid();
        slot->setup_gid = slot->box_gid = getegid();
        return 0;
    }
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/slots", s->run_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create %s", dir);
    uint32_t n = s->uid_count / 2;
    uint32_t start = (uint32_t)getpid() % n; /* spread concurrent supervisors */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = (start + i) % n;
        int fd = try_slot(dir, k);
        if (fd < 0)
            continue;
        slot->lock_fd = fd;
        slot->index = k;
        slot->setup_uid = s->uid_base + 2 * k;
        slot->box_uid = s->uid_base + 2 * k + 1;
        slot->setup_gid = slot->setup_uid;
        slot->box_gid = slot->box_uid;
        return 0;
    }
    return rbx_error_raise(err, RBX_ERR_BUSY, NULL, NULL, "all %u sandbox uid slots are in use", n);
}

void uid_slot_release(uid_slot *slot)
{
    if (slot->lock_fd >= 0)
        close(slot->lock_fd);
    slot->lock_fd = -1;
}
