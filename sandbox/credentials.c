/* The program's credentials: the box uid and gid (never 0), no supplementary
 * groups, an empty bounding set, no ambient capabilities, and no_new_privs so
 * no exec (a setuid binary, file capabilities) can ever give any back.
 *
 * The bounding set is emptied by the box's init while it builds the box
 * (credentials_empty_bounding_set: ~40 system calls off the run's path); the
 * program inherits it empty. It can only be emptied while CAP_SETPCAP is
 * held, and the init keeps its effective capabilities (the bounding set only
 * limits what an exec can give). setresuid from the namespace root to a
 * non-root uid clears the permitted and effective sets; capset() afterwards
 * makes that explicit for the rootless case, where the uid does not change.
 *
 * Raw system calls, not glibc's wrappers: those apply a change to every
 * thread glibc knows of, and this process is a clone of a supervisor that may
 * have had threads (their list is still in its memory). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

int credentials_empty_bounding_set(child_error *e)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
            continue;
        if (errno == EINVAL && cap > CAP_CHOWN)
            break; /* past the last capability this kernel knows */
        return child_fail(e, errno, "drop the capability bounding set", NULL);
    }
    return 0;
}

static int clear_capability_sets(child_error *e)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {{0}};
    if (syscall(SYS_capset, &hdr, data) != 0)
        return child_fail(e, errno, "clear capabilities", NULL);
    return 0;
}

int credentials_drop(bool rootless, child_error *e)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return child_fail(e, errno, "clear ambient capabilities", NULL);
    /* Rootless: setgroups is denied by the kernel in our namespace (the map
     * required it) and the host groups we keep show up as nogroup. */
    if (!rootless && syscall(SYS_setgroups, 0, NULL) != 0)
        return child_fail(e, errno, "setgroups", NULL);
    if (syscall(SYS_setresgid, RBX_BOX_GID, RBX_BOX_GID, RBX_BOX_GID) != 0)
        return child_fail(e, errno, "setresgid", NULL);
    if (syscall(SYS_setresuid, RBX_BOX_UID, RBX_BOX_UID, RBX_BOX_UID) != 0)
        return child_fail(e, errno, "setresuid", NULL);
    if (clear_capability_sets(e) != 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return child_fail(e, errno, "no_new_privs", NULL);
    return 0;
}
