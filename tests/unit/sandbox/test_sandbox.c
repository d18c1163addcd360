/* Unit tests for sandbox/: verdicts, limits, measurements, environment,
 * stdin, output cap, isolation and cleanup, through rbx_sandbox_run() with
 * real namespaces, cgroups and programs. Needs root or unprivileged user
 * namespaces; the cgroup-backed limits need a usable cgroup (root here). */
#include <check.h>
#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "sandbox/sandbox.h"

static const char *const clean_env[] = {"PATH=/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8", NULL};

/* Run argv with limits; the run itself must succeed. */
static void run(const char *const *argv, rbx_sandbox_limits lim, const char *stdin_data,
                size_t stdin_len, rbx_sandbox_result *r)
{
    rbx_sandbox_config cfg = {.argv = argv, .envp = clean_env, .limits = lim,
                              .stdin_data = stdin_data, .stdin_len = stdin_len};
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_sandbox_run(&cfg, r, &err);
    ck_assert_msg(rc == 0, "rbx_sandbox_run failed: %s", err.message);
}

static void run_sh(const char *script, rbx_sandbox_limits lim, rbx_sandbox_result *r)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    run(argv, lim, NULL, 0, r);
}

static bool have_cgroup(void)
{
    return cgroup_detect() != CGROUP_NONE;
}

START_TEST(test_ok_and_exit_code)
{
    rbx_sandbox_result r;
    run_sh("echo out; echo err >&2", (rbx_sandbox_limits){0}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_str_eq(r.stdout_buf, "out\n");
    ck_assert_str_eq(r.stderr_buf, "err\n");
    rbx_sandbox_result_free(&r);
    run_sh("exit 3", (rbx_sandbox_limits){0}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_RUNTIME_ERROR);
    ck_assert_int_eq(r.exit_code, 3);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_signal_is_runtime_error)
{
    rbx_sandbox_result r;
    run_sh("kill -SEGV $$", (rbx_sandbox_limits){0}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_RUNTIME_ERROR);
    ck_assert_int_eq(r.signal, SIGSEGV);
    ck_assert_int_eq(r.exit_code, -1);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_cpu_limit)
{
    if (!have_cgroup())
        return; /* rlimit fallback: whole seconds only, tested by the CLI suites */
    rbx_sandbox_result r;
    run_sh("while :; do :; done", (rbx_sandbox_limits){.cpu_time_ms = 1000, .wall_time_ms = 20000},
           &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_TIME_LIMIT);
    ck_assert(r.cpu_limit_hit);
    ck_assert_uint_ge(r.cpu_time_ms, 1000);
    ck_assert_uint_le(r.cpu_time_ms, 1100);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_wall_limit)
{
    rbx_sandbox_result r;
    const char *argv[] = {"sleep", "5", NULL};
    run(argv, (rbx_sandbox_limits){.wall_time_ms = 500}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_TIME_LIMIT);
    ck_assert(r.wall_limit_hit);
    ck_assert_uint_ge(r.wall_time_ms, 500);
    ck_assert_uint_lt(r.wall_time_ms, 600);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_memory_limit)
{
    if (!have_cgroup())
        return;
    rbx_sandbox_result r;
    /* 200 MB written, so every page is touched, under a 128 MB limit. */
    const char *argv[] = {"python3", "-c", "b = b'x' * (200 << 20); print(len(b))", NULL};
    run(argv, (rbx_sandbox_limits){.memory_kb = 131072, .wall_time_ms = 20000}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_MEMORY_LIMIT);
    ck_assert(r.oom_killed);
    ck_assert_uint_le(r.memory_kb, 131072);
    ck_assert_uint_ge(r.memory_kb, 100000);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_peak_memory_measured)
{
    if (!have_cgroup())
        return;
    rbx_sandbox_result r;
    const char *argv[] = {"python3", "-c", "b = b'x' * (40 << 20)", NULL};
    run(argv, (rbx_sandbox_limits){.memory_kb = 131072}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_uint_ge(r.memory_kb, 40 * 1024);
    ck_assert_uint_lt(r.memory_kb, 100 * 1024);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_process_limit)
{
    rbx_sandbox_result r;
    /* Try 40 sleeping children under a limit of 10 tasks; count the forks that worked. */
    const char *argv[] = {"python3", "-c",
                          "import os, time\n"
                          "n = 0\n"
                          "for i in range(40):\n"
                          "    try:\n"
                          "        if os.fork() == 0:\n"
                          "            time.sleep(2); os._exit(0)\n"
                          "        n += 1\n"
                          "    except OSError:\n"
                          "        pass\n"
                          "print(n)\n",
                          NULL};
    run(argv, (rbx_sandbox_limits){.processes = 10, .wall_time_ms = 10000}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_int_lt(atoi(r.stdout_buf), 10);
    ck_assert_int_gt(atoi(r.stdout_buf), 0);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_output_cap)
{
    rbx_sandbox_result r;
    run_sh("yes", (rbx_sandbox_limits){.output_bytes = 1000, .wall_time_ms = 5000}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OUTPUT_LIMIT);
    ck_assert(r.truncated);
    ck_assert_uint_eq(r.stdout_len + r.stderr_len, 1000);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_file_size_limit)
{
    rbx_sandbox_result r;
    run_sh("exec head -c 200000 /dev/zero > /tmp/big", (rbx_sandbox_limits){.file_size_kb = 64}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OUTPUT_LIMIT);
    ck_assert_int_eq(r.signal, SIGXFSZ);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_stdin_is_fed)
{
    rbx_sandbox_result r;
    const char *argv[] = {"cat", NULL};
    run(argv, (rbx_sandbox_limits){0}, "hello\nworld\n", 12, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_str_eq(r.stdout_buf, "hello\nworld\n");
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_unread_stdin_does_not_block)
{
    size_t len = 8 << 20; /* far more than a pipe holds */
    char *data = malloc(len);
    ck_assert_ptr_nonnull(data);
    memset(data, 'a', len);
    rbx_sandbox_result r;
    const char *argv[] = {"true", NULL};
    run(argv, (rbx_sandbox_limits){.wall_time_ms = 5000}, data, len, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    free(data);
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_environment_is_clean)
{
    setenv("RBX_SERVICE_SECRET", "leaked", 1);
    rbx_sandbox_result r;
    const char *argv[] = {"env", NULL};
    run(argv, (rbx_sandbox_limits){0}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_str_eq(r.stdout_buf, "PATH=/usr/bin:/bin\nHOME=/box\nLANG=C.UTF-8\n");
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_identity_and_isolation)
{
    rbx_sandbox_result r;
    run_sh("id -u; hostname; ls /; cat /etc/shadow 2>/dev/null || echo no-shadow; "
           "ls /proc | grep -c '^[0-9]'",
           (rbx_sandbox_limits){0}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    /* uid 1000, hostname runbox, only the box's tree, no /etc/shadow, and
     * only the box's processes (init, sh, ls, grep) in /proc. */
    ck_assert_ptr_nonnull(strstr(r.stdout_buf, "no-shadow\n"));
    ck_assert_ptr_nonnull(strstr(r.stdout_buf, "1000\nrunbox\n"));
    ck_assert_ptr_null(strstr(r.stdout_buf, "root\n"));
    ck_assert_ptr_null(strstr(r.stdout_buf, "home\n"));
    char *last = strrchr(r.stdout_buf, '\n');
    while (last > r.stdout_buf && last[-1] != '\n')
        last--;
    ck_assert_int_le(atoi(last), 4);
    rbx_sandbox_result_free(&r);
}
END_TEST

/* The box has a session and process group of its own (those of its init,
 * pid 1), so kill(0) from inside never reaches the supervisor's group. */
START_TEST(test_own_session)
{
    rbx_sandbox_result r;
    const char *argv[] = {"python3", "-c",
                          "import os, signal\n"
                          "print(os.getpgrp(), os.getsid(0))\n"
                          "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
                          "os.kill(0, signal.SIGHUP)\n"
                          "print('survived')\n",
                          NULL};
    run(argv, (rbx_sandbox_limits){0}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_str_eq(r.stdout_buf, "1 1\nsurvived\n");
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_network_is_refused)
{
    rbx_sandbox_result r;
    const char *argv[] = {"python3", "-c",
                          "import socket\n"
                          "try:\n"
                          "    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                          "    print('open')\n"
                          "except OSError as e:\n"
                          "    print('refused', e.errno)\n",
                          NULL};
    run(argv, (rbx_sandbox_limits){0}, NULL, 0, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    ck_assert_str_eq(r.stdout_buf, "refused 97\n"); /* EAFNOSUPPORT */
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_daemon_dies_with_the_run)
{
    rbx_sandbox_result r;
    run_sh("(setsid sleep 30 &) ; echo started", (rbx_sandbox_limits){0}, &r);
    ck_assert_int_eq(r.status, RBX_SANDBOX_OK);
    rbx_sandbox_result_free(&r);
    /* No process of ours runs `sleep 30` any more. */
    FILE *p = popen("pgrep -x -f 'sleep 30' | wc -l", "r");
    ck_assert_ptr_nonnull(p);
    int n = -1;
    ck_assert_int_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_no_cgroup_left_behind)
{
    rbx_sandbox_result r;
    run_sh("true", (rbx_sandbox_limits){.memory_kb = 65536, .processes = 8}, &r);
    rbx_sandbox_result_free(&r);
    char pattern[128];
    snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/*/runbox/box-%d-*", (int)getpid());
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    ck_assert_int_eq(rc, GLOB_NOMATCH);
    snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/*/*/*/runbox/box-%d-*", (int)getpid());
    rc = glob(pattern, 0, NULL, &g);
    ck_assert_int_eq(rc, GLOB_NOMATCH);
}
END_TEST

START_TEST(test_missing_program_is_reported)
{
    rbx_sandbox_result r;
    const char *argv[] = {"no-such-program", NULL};
    run(argv, (rbx_sandbox_limits){0}, NULL, 0, &r);
    ck_assert(r.exec_failed);
    ck_assert_int_eq(r.status, RBX_SANDBOX_RUNTIME_ERROR);
    ck_assert_int_eq(r.exit_code, 127);
    ck_assert_ptr_nonnull(strstr(r.message, "no-such-program"));
    rbx_sandbox_result_free(&r);
}
END_TEST

START_TEST(test_bad_config_is_an_error)
{
    rbx_sandbox_result r;
    rbx_error err;
    const char *argv[] = {NULL};
    rbx_sandbox_config cfg = {.argv = argv};
    ck_assert_int_eq(rbx_sandbox_run(&cfg, &r, &err), -1);
    const char *argv2[] = {"true", NULL};
    rbx_sandbox_config cfg2 = {.argv = argv2, .workdir = "/nonexistent/dir"};
    ck_assert_int_eq(rbx_sandbox_run(&cfg2, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/dir"));
}
END_TEST

START_TEST(test_uid_slots_are_distinct)
{
    if (geteuid() != 0)
        return; /* rootless boxes all map to our own uid by design */
    rbx_error err;
    const sandbox_settings *s = sandbox_settings_get(&err);
    ck_assert_ptr_nonnull(s);
    uid_slot a, b;
    ck_assert_int_eq(uid_slot_acquire(s, &a, &err), 0);
    ck_assert_int_eq(uid_slot_acquire(s, &b, &err), 0);
    ck_assert_uint_ne(a.index, b.index);
    ck_assert_uint_ne(a.box_uid, b.box_uid);
    ck_assert_uint_ne(a.setup_uid, b.box_uid);
    ck_assert_uint_ne(a.box_uid, 0);
    uid_slot_release(&a);
    uid_slot c;
    ck_assert_int_eq(uid_slot_acquire(s, &c, &err), 0);
    ck_assert_uint_ne(c.index, b.index);
    uid_slot_release(&b);
    uid_slot_release(&c);
}
END_TEST

START_TEST(test_probe)
{
    rbx_sandbox_caps caps;
    rbx_error err;
    ck_assert_int_eq(rbx_sandbox_probe(&caps, &err), 0);
    ck_assert(caps.userns);
    ck_assert(caps.seccomp);
    ck_assert_int_eq(caps.rootless, geteuid() != 0);
}
END_TEST

static Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ok_and_exit_code);
    tcase_add_test(tc, test_signal_is_runtime_error);
    tcase_add_test(tc, test_cpu_limit);
    tcase_add_test(tc, test_wall_limit);
    tcase_add_test(tc, test_memory_limit);
    tcase_add_test(tc, test_peak_memory_measured);
    tcase_add_test(tc, test_process_limit);
    tcase_add_test(tc, test_output_cap);
    tcase_add_test(tc, test_file_size_limit);
    tcase_add_test(tc, test_stdin_is_fed);
    tcase_add_test(tc, test_unread_stdin_does_not_block);
    tcase_add_test(tc, test_environment_is_clean);
    tcase_add_test(tc, test_identity_and_isolation);
    tcase_add_test(tc, test_own_session);
    tcase_add_test(tc, test_network_is_refused);
    tcase_add_test(tc, test_daemon_dies_with_the_run);
    tcase_add_test(tc, test_no_cgroup_left_behind);
    tcase_add_test(tc, test_missing_program_is_reported);
    tcase_add_test(tc, test_bad_config_is_an_error);
    tcase_add_test(tc, test_uid_slots_are_distinct);
    tcase_add_test(tc, test_probe);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sandbox_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
