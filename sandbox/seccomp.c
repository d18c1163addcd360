/* The seccomp filter the program gets (policy: seccomp_rules.c).
 *
 * libseccomp compiles the policy at build time (sandbox/seccomp-gen writes
 * seccomp_filter.h): building it costs about 1 ms per process, which every
 * CLI run would pay. Where the library runs on another architecture than it
 * was built for, the policy is compiled once per process instead. Either
 * way the supervisor holds a BPF program and the box's program only loads it
 * with the seccomp() system call. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/seccomp_rules.h"

/* libseccomp 2.5 exports BPF to a file descriptor only: go through a memfd. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog, rbx_error *err)
{
    int fd = memfd_create("rbx-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    struct stat st;
    if (rc != 0 || fstat(fd, &st) != 0 || st.st_size <= 0 ||
        st.st_size % (off_t)sizeof(struct sock_filter) != 0) {
        close(fd);
        return rbx_error_internal(err, "cannot export the seccomp filter (%d)", rc);
    }
    struct sock_filter *code = malloc((size_t)st.st_size);
    if (!code || pread(fd, code, (size_t)st.st_size, 0) != st.st_size) {
        free(code);
        close(fd);
        return rbx_error_internal(err, "cannot read the seccomp filter back");
    }
    close(fd);
    prog->filter = code;
    prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    return 0;
}

int seccomp_program_compile(struct sock_fprog *prog, rbx_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return rbx_error_internal(err, "seccomp_init failed");
    int rc = seccomp_rules_add(ctx);
    if (rc != 0) {
        seccomp_release(ctx);
        return rbx_error_internal(err, "cannot build the seccomp filter: %s", strerror(-rc));
    }
    rc = export_program(ctx, prog, err);
    seccomp_release(ctx);
    return rc;
}

int seccomp_program_get(const struct sock_fprog **out, rbx_error *err)
{
    static struct sock_fprog prog;
    if (!prog.filter && seccomp_arch_native() == RBX_SECCOMP_FILTER_ARCH) {
        prog.filter = (struct sock_filter *)rbx_seccomp_filter;
        prog.len = (unsigned short)(sizeof(rbx_seccomp_filter) / sizeof(rbx_seccomp_filter[0]));
    }
    if (!prog.filter && seccomp_program_compile(&prog, err) != 0)
        return -1;
    *out = &prog;
    return 0;
}

int seccomp_program_load(const struct sock_fprog *prog, child_error *e)
{
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
        return child_fail(e, errno, "load the seccomp filter", NULL);
    return 0;
}
