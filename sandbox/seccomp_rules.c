/* The seccomp policy: everything allowed except what a program has no
 * business doing in a box. It refuses with an errno (EPERM, or ENOSYS where
 * runtimes expect "not implemented" and fall back) instead of killing, so
 * runtimes report a clean error.
 *
 * Refused: Docker's default profile's refusals (mount family, pivot_root,
 * chroot, ptrace, process_vm_*, kexec, modules, bpf, perf_event_open, keyctl
 * family, unshare/setns and clone with namespace flags, userfaultfd,
 * io_uring, open_by_handle_at, reboot, swap, clock setting, syslog, ...),
 * sockets of every family but AF_UNIX, TIOCSTI, and every non-native ABI.
 *
 * Used twice: by sandbox/seccomp-gen at build time, which compiles it to the
 * BPF program the library loads (seccomp_filter.h), and by seccomp.c at run
 * time where that program does not fit the host's architecture. */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "sandbox/seccomp_rules.h"

static const char *const refused_eperm[] = {"mount",
                                            "umount",
                                            "umount2",
                                            "pivot_root",
                                            "chroot",
                                            "fsopen",
                                            "fsconfig",
                                            "fsmount",
                                            "fspick",
                                            "move_mount",
                                            "open_tree",
                                            "mount_setattr",
                                            "ptrace",
                                            "process_vm_readv",
                                            "process_vm_writev",
                                            "process_madvise",
                                            "kcmp",
                                            "pidfd_getfd",
                                            "kexec_load",
                                            "kexec_file_load",
                                            "init_module",
                                            "finit_module",
                                            "delete_module",
                                            "create_module",
                                            "get_kernel_syms",
                                            "query_module",
                                            "bpf",
                                            "perf_event_open",
                                            "add_key",
                                            "request_key",
                                            "keyctl",
                                            "unshare",
                                            "setns",
                                            "userfaultfd",
                                            "open_by_handle_at",
                                            "name_to_handle_at",
                                            "reboot",
                                            "swapon",
                                            "swapoff",
                                            "settimeofday",
                                            "stime",
                                            "clock_settime",
                                            "clock_adjtime",
                                            "adjtimex",
                                            "syslog",
                                            "acct",
                                            "quotactl",
                                            "quotactl_fd",
                                            "lookup_dcookie",
                                            "nfsservctl",
                                            "vhangup",
                                            "uselib",
                                            "ustat",
                                            "sysfs",
                                            "_sysctl",
                                            "iopl",
                                            "ioperm",
                                            "fanotify_init",
                                            "mbind",
                                            "set_mempolicy",
                                            "migrate_pages",
                                            "move_pages",
                                            "landlock_create_ruleset",
                                            "vm86",
                                            "vm86old",
                                            "afs_syscall",
                                            "tuxcall",
                                            "security",
                                            "getpmsg",
                                            "putpmsg"};

/* "Not implemented": glibc and runtimes fall back (clone3 to clone, io_uring to threads). */
static const char *const refused_enosys[] = {"clone3", "io_uring_setup", "io_uring_enter",
                                             "io_uring_register"};

static int add_refusals(scmp_filter_ctx ctx, const char *const *names, size_t n, int err)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall on this architecture */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 0);
        if (rc != 0 && rc != -EEXIST)
            return rc;
    }
    return 0;
}

/* clone with any namespace flag: one rule per flag (rules on a syscall are OR'ed). */
static int add_clone_rules(scmp_filter_ctx ctx)
{
    static const uint64_t ns_flags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                                        CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME};
    for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
        /* x86_64 clone(flags, ...): flags is the first argument. */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int add_socket_rules(scmp_filter_ctx ctx)
{
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1,
                              SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
    return rc;
}

int seccomp_rules_add(scmp_filter_ctx ctx)
{
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
    if (rc == 0)
        rc = add_refusals(ctx, refused_eperm, sizeof(refused_eperm) / sizeof(refused_eperm[0]),
                          EPERM);
    if (rc == 0)
        rc = add_refusals(ctx, refused_enosys, sizeof(refused_enosys) / sizeof(refused_enosys[0]),
                          ENOSYS);
    if (rc == 0)
        rc = add_clone_rules(ctx);
    if (rc == 0)
        rc = add_socket_rules(ctx);
    return rc;
}
