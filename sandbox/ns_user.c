/* The box's user namespace.
 *
 * Root mode: inside uid 0 maps to the slot's setup uid and RBX_BOX_UID to the
 * slot's program uid; host root is never mapped, so nothing in the box acts
 * as host root even through a file owned by root. Rootless mode: an
 * unprivileged user can map exactly one uid, its own, to RBX_BOX_UID; the
 * kernel then requires setgroups to be denied before the gid map is written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

static int write_proc_file(pid_t pid, const char *file, const char *text, rbx_error *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open %s", path);
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    if (n != (ssize_t)strlen(text)) {
        errno = n < 0 ? saved : EIO;
        return rbx_error_errno(err, "cannot write %s", path);
    }
    return 0;
}

int ns_user_write_maps(pid_t child, const uid_slot *slot, bool rootless, rbx_error *err)
{
    char uid_map[96], gid_map[96];
    if (rootless) {
        snprintf(uid_map, sizeof(uid_map), "%d %u 1\n", RBX_BOX_UID, (unsigned)slot->box_uid);
        snprintf(gid_map, sizeof(gid_map), "%d %u 1\n", RBX_BOX_GID, (unsigned)slot->box_gid);
        if (write_proc_file(child, "setgroups", "deny", err) != 0)
            return -1;
    } else {
        snprintf(uid_map, sizeof(uid_map), "0 %u 1\n%d %u 1\n", (unsigned)slot->setup_uid,
                 RBX_BOX_UID, (unsigned)slot->box_uid);
        snprintf(gid_map, sizeof(gid_map), "0 %u 1\n%d %u 1\n", (unsigned)slot->setup_gid,
                 RBX_BOX_GID, (unsigned)slot->box_gid);
    }
    if (write_proc_file(child, "uid_map", uid_map, err) != 0)
        return -1;
    return write_proc_file(child, "gid_map", gid_map, err);
}

int ns_user_become_setup_user(bool rootless, child_error *e)
{
    if (rootless)
        return 0; /* already RBX_BOX_UID inside, with every capability of the new namespace */
    /* Raw calls: see credentials.c. */
    if (syscall(SYS_setresgid, 0, 0, 0) != 0)
        return child_fail(e, errno, "setresgid to the box root", NULL);
    if (syscall(SYS_setresuid, 0, 0, 0) != 0)
        return child_fail(e, errno, "setresuid to the box root", NULL);
    return 0;
}
