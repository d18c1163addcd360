/* Try the system calls a box must never be allowed to make. Each attempt
 * runs in a child of its own (a seccomp filter may kill the caller) and
 * prints "name: ok RET", "name: errno=E..." or "name: killed SIGxxx".
 * With no argument every attempt is made; otherwise only the named ones. */
#define _GNU_SOURCE
#include "hostile.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

/* A child that waits to be poked at, for ptrace and process_vm_readv. */
static pid_t sleeping_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    return pid;
}

static long reap(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return 0;
}

static long try_ptrace_attach(void)
{
    pid_t child = sleeping_child();
    long rc = ptrace(PTRACE_ATTACH, child, NULL, NULL);
    int err = errno;
    reap(child);
    errno = err;
    return rc;
}

static long try_process_vm_readv(void)
{
    static char secret[16] = "child memory";
    pid_t child = sleeping_child();
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {secret, sizeof secret};
    long rc = process_vm_readv(child, &local, 1, &remote, 1, 0);
    int err = errno;
    reap(child);
    errno = err;
    return rc;
}

/* A raw clone with namespace flags; the child, if any, exits at once. */
static long try_clone_flags(unsigned long flags)
{
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    return pid;
}

static long try_clone3_newuser(void)
{
    struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    return pid;
}

static long try_setns(void)
{
    int fd = open("/proc/self/ns/net", O_RDONLY);
    if (fd < 0)
        fd = 0; /* setns on a non-namespace fd still says whether the call is allowed */
    return setns(fd, 0);
}

static long try_bpf(void)
{
    union bpf_attr attr = {0};
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
}

static long try_io_uring(void)
{
    struct io_uring_params params = {0};
    return syscall(SYS_io_uring_setup, 4, &params);
}

static long try_open_by_handle_at(void)
{
    struct {
        struct file_handle fh;
        unsigned char bytes[MAX_HANDLE_SZ];
    } h = {.fh.handle_bytes = MAX_HANDLE_SZ};
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0) {
        h.fh.handle_bytes = 8; /* a made-up handle still tells whether the call is allowed */
        h.fh.handle_type = 1;
    }
    int mount_fd = open("/", O_RDONLY | O_DIRECTORY);
    return open_by_handle_at(mount_fd, &h.fh, O_RDONLY);
}

static long try_perf_event_open(void)
{
    struct perf_event_attr attr = {0};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static long try_reboot(void)
{
    /* Only ever run inside a box: in a pid namespace other than the host's,
     * the kernel cannot act on this command even when it is let through. */
    if (geteuid() == 0) {
        errno = 0;
        return -2;
    }
    return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF,
                   NULL);
}

static long try_userfaultfd(void)
{
    return syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
}

static long try_clock_settime(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return clock_settime(CLOCK_REALTIME, &now);
}

static long try_syslog(void)
{
    char buf[256];
    return klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf);
}

/* getpid through the 32-bit entry point: a filter must not let a second ABI
 * bypass its rules. Returns the pid when the call went through. */
static long try_i386_abi(void)
{
#if defined(__x86_64__)
    long ret = 20; /* __NR_getpid on i386 */
    __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
#else
    errno = ENOSYS;
    return -1;
#endif
}

static long try_x32_abi(void)
{
#if defined(__x86_64__)
    return syscall(0x40000000 | SYS_getpid);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static long try_socket(int family, int type)
{
    return socket(family, type, 0);
}

static long try_socket_inet(void)
{
    return try_socket(AF_INET, SOCK_STREAM);
}
static long try_socket_inet6(void)
{
    return try_socket(AF_INET6, SOCK_STREAM);
}
static long try_socket_netlink(void)
{
    return try_socket(AF_NETLINK, SOCK_RAW);
}
static long try_socket_packet(void)
{
    return try_socket(AF_PACKET, SOCK_RAW);
}
static long try_ptrace_traceme(void)
{
    return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}
static long try_mount(void)
{
    return mount("none", "/tmp", "tmpfs", 0, NULL);
}
static long try_umount(void)
{
    return umount2("/proc", MNT_DETACH);
}
static long try_pivot_root(void)
{
    return syscall(SYS_pivot_root, "/tmp", "/tmp");
}
static long try_chroot(void)
{
    return chroot("/tmp");
}
static long try_unshare_user(void)
{
    return unshare(CLONE_NEWUSER);
}
static long try_unshare_mount(void)
{
    return unshare(CLONE_NEWNS);
}
static long try_unshare_net(void)
{
    return unshare(CLONE_NEWNET);
}
static long try_clone_newuser(void)
{
    return try_clone_flags(CLONE_NEWUSER);
}
static long try_clone_newns(void)
{
    return try_clone_flags(CLONE_NEWNS);
}
static long try_keyctl(void)
{
    return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
}
static long try_add_key(void)
{
    return syscall(SYS_add_key, "user", "rbxsec", "x", 1, KEY_SPEC_PROCESS_KEYRING);
}
static long try_init_module(void)
{
    return syscall(SYS_init_module, NULL, 0, "");
}
static long try_finit_module(void)
{
    return syscall(SYS_finit_module, 0, "", 0);
}
static long try_kexec_load(void)
{
    return syscall(SYS_kexec_load, 0, 0, NULL, 0);
}
static long try_swapon(void)
{
    return swapon("/box", 0);
}
static long try_acct(void)
{
    return acct("/box/acct");
}
static long try_fsopen(void)
{
    return syscall(SYS_fsopen, "tmpfs", 0);
}
static long try_mknod_mem(void)
{
    return mknod("/tmp/mem", S_IFCHR | 0666, makedev(1, 1));
}
static long try_setuid_root(void)
{
    return setuid(0);
}
static long try_setgroups(void)
{
    return setgroups(0, NULL);
}
static long try_tiocsti(void)
{
    char c = 'x';
    return ioctl(STDIN_FILENO, TIOCSTI, &c);
}

static const struct attempt {
    const char *name;
    long (*fn)(void);
} attempts[] = {
    {"ptrace_traceme", try_ptrace_traceme},
    {"ptrace_attach", try_ptrace_attach},
    {"process_vm_readv", try_process_vm_readv},
    {"mount", try_mount},
    {"umount", try_umount},
    {"pivot_root", try_pivot_root},
    {"chroot", try_chroot},
    {"fsopen", try_fsopen},
    {"unshare_user", try_unshare_user},
    {"unshare_mount", try_unshare_mount},
    {"unshare_net", try_unshare_net},
    {"clone_newuser", try_clone_newuser},
    {"clone_newns", try_clone_newns},
    {"clone3_newuser", try_clone3_newuser},
    {"setns", try_setns},
    {"bpf", try_bpf},
    {"keyctl", try_keyctl},
    {"add_key", try_add_key},
    {"io_uring_setup", try_io_uring},
    {"open_by_handle_at", try_open_by_handle_at},
    {"perf_event_open", try_perf_event_open},
    {"reboot", try_reboot},
    {"init_module", try_init_module},
    {"finit_module", try_finit_module},
    {"kexec_load", try_kexec_load},
    {"swapon", try_swapon},
    {"acct", try_acct},
    {"userfaultfd", try_userfaultfd},
    {"clock_settime", try_clock_settime},
    {"syslog", try_syslog},
    {"i386_abi", try_i386_abi},
    {"x32_abi", try_x32_abi},
    {"socket_inet", try_socket_inet},
    {"socket_inet6", try_socket_inet6},
    {"socket_netlink", try_socket_netlink},
    {"socket_packet", try_socket_packet},
    {"mknod_dev_mem", try_mknod_mem},
    {"setuid_root", try_setuid_root},
    {"setgroups", try_setgroups},
    {"tiocsti", try_tiocsti},
};

static void run_attempt(const struct attempt *a)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: fork errno=%s\n", a->name, errname(errno));
        return;
    }
    if (pid == 0) {
        errno = 0;
        long rc = a->fn();
        if (rc == -2 && errno == 0)
            printf("%s: skipped (euid 0)\n", a->name);
        else
            report(a->name, rc);
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
        printf("%s: killed %s\n", a->name, sigabbrev_np(WTERMSIG(status)));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        int wanted = argc < 2;
        for (int j = 1; j < argc; j++)
            wanted |= !strcmp(argv[j], attempts[i].name);
        if (wanted)
            run_attempt(&attempts[i]);
    }
    return 0;
}
