/* clone3 for the box's init: a child that shares our memory (CLONE_VM) and
 * starts in its box cgroup (CLONE_INTO_CGROUP), so that no cgroup.procs write
 * is needed after the clone and the init is never outside its box's limits
 * and accounting.
 *
 * With CLONE_VM the child runs on a stack of its own from the first
 * instruction after the system call, where no C frame exists: the call and
 * the child's first steps are assembly, as in the C library's clone() (which
 * has no clone3 of its own). x86_64 only; elsewhere ENOSYS, and the caller
 * falls back to clone() and a cgroup.procs write. */
#include <errno.h>
#include <linux/sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/internal.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL /* Linux 5.7 */
#endif

#if defined(__x86_64__)
/* rdi: the clone_args, rsi: their size, rdx: fn, rcx: arg. rdx and r8 are
 * kept across the system call (it clobbers rcx, r11 and rax), so the child
 * finds fn and arg there; it calls fn(arg) on an aligned stack and exits
 * with its value (fn execs or _exits first). The parent returns the pid or
 * -errno. */
long rbx_raw_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl rbx_raw_clone3\n"
        ".type rbx_raw_clone3, @function\n"
        "rbx_raw_clone3:\n"
        "    mov %rcx, %r8\n"
        "    mov $435, %eax\n" /* SYS_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n" /* SYS_exit */
        "    syscall\n"
        "    hlt\n"
        ".size rbx_raw_clone3, . - rbx_raw_clone3\n");
#endif

pid_t clone3_into_cgroup(uint64_t flags, int cgroup_fd, int *pidfd, void *stack, size_t stack_size,
                         int (*fn)(void *), void *arg)
{
#if defined(__x86_64__)
    struct clone_args args = {
        .flags = (flags & ~(uint64_t)0xff) | CLONE_INTO_CGROUP,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = flags & 0xff,
        .stack = (uint64_t)(uintptr_t)stack,
        .stack_size = stack_size,
        .cgroup = (uint64_t)cgroup_fd,
    };
    long rc = rbx_raw_clone3(&args, sizeof(args), fn, arg);
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return (pid_t)rc;
#else
    (void)flags, (void)cgroup_fd, (void)pidfd, (void)stack, (void)stack_size, (void)fn, (void)arg;
    errno = ENOSYS;
    return -1;
#endif
}
