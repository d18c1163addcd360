/* runbox-box-init: the box's pid 1 as a program of its own.
 *
 * The supervisor starts it the way posix_spawn starts a program: a clone that
 * shares the supervisor's memory (CLONE_VM | CLONE_VFORK, with the box's
 * namespaces) and execs this file at once. No page table is copied, and the
 * init, which may wait long for its run when built ahead, does not share the
 * supervisor's pages copy-on-write: every page the supervisor wrote would
 * cost it a fault and a TLB shootdown.
 *
 * Not meant to be run by hand: the arguments are descriptors and sizes from
 * box_build.c (init_argv), in this order:
 *   sync report stdout stderr box_fs root_mountpoint tmp_kb box_kb hostname
 *   flags [host_path box_path rw]...
 * flags: r = rootless (the init makes /box's tmpfs and sends it up), c = the
 * box has a cgroup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/internal.h"

static int parse_fd(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *end == '\0' && v >= -1 && v < 1 << 20 ? (int)v : -2;
}

int main(int argc, char **argv)
{
    enum { FIXED = 11 };
    if (argc < FIXED || (argc - FIXED) % 3 != 0 || (argc - FIXED) / 3 > BOX_MAX_EXTRA_MOUNTS) {
        fprintf(stderr, "runbox-box-init: started by the runbox sandbox only\n");
        return 2;
    }
    static rbx_sandbox_mount extra[BOX_MAX_EXTRA_MOUNTS];
    size_t n_extra = (size_t)(argc - FIXED) / 3;
    for (size_t i = 0; i < n_extra; i++)
        extra[i] = (rbx_sandbox_mount){.host_path = argv[FIXED + 3 * i],
                                       .box_path = argv[FIXED + 3 * i + 1],
                                       .writable = strcmp(argv[FIXED + 3 * i + 2], "rw") == 0};
    const char *flags = argv[10];
    const struct sock_fprog *prog = NULL;
    rbx_error err;
    box_plan plan = {
        .sync_fd = parse_fd(argv[1]),
        .report_fd = parse_fd(argv[2]),
        .stdout_fd = parse_fd(argv[3]),
        .stderr_fd = parse_fd(argv[4]),
        .hostname = argv[9][0] ? argv[9] : NULL,
        .mounts = {.box_fs_fd = parse_fd(argv[5]),
                   .root_mountpoint = argv[6],
                   .tmp_size_kb = strtoull(argv[7], NULL, 10),
                   .box_size_kb = strtoull(argv[8], NULL, 10),
                   .extra = extra,
                   .n_extra = n_extra},
        .rootless = strchr(flags, 'r') != NULL,
        .have_cgroup = strchr(flags, 'c') != NULL,
        .share_box_fs = strchr(flags, 'r') != NULL,
    };
    if (plan.sync_fd < 0 || plan.report_fd < 0 || plan.stdout_fd < 0 || plan.stderr_fd < 0 ||
        plan.mounts.box_fs_fd < -1) {
        fprintf(stderr, "runbox-box-init: bad descriptors\n");
        return 2;
    }
    if (seccomp_program_get(&prog, &err) != 0) {
        child_error e = {0};
        child_fail(&e, 0, err.message, NULL);
        box_init_failed(&plan, &e);
    }
    plan.seccomp = prog;
    box_init_main(&plan);
}
