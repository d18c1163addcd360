/* Unit tests for common/slots: the cap holds across processes, a busy pool
 * waits only as long as asked, and a killed holder frees its slot. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/slots.h"
#include "tests/unit/support/check_main.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/rbx-slots-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rbx_error err;
    ck_assert_int_eq(rbx_slots_prepare(dir, &err), 0);
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static long elapsed_ms(uint64_t t0)
{
    return (long)(rbx_clock_ms() - t0);
}

START_TEST(test_cap_is_enforced_and_release_frees)
{
    make_dir();
    rbx_error err;
    rbx_slot a, b, c;
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 2, 0, &a, &err), 1);
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 2, 0, &b, &err), 1);
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 2, 0, &c, &err), 0);
    ck_assert_int_eq(c.fd, -1);
    ck_assert_int_eq(rbx_slots_in_use(dir, "run", 2, &err), 2);
    rbx_slot_release(&a);
    ck_assert_int_eq(a.fd, -1);
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 2, 0, &c, &err), 1);
    /* pools are independent */
    rbx_slot k;
    ck_assert_int_eq(rbx_slot_acquire(dir, "key-7", 1, 0, &k, &err), 1);
    rbx_slot_release(&k);
    rbx_slot_release(&b);
    rbx_slot_release(&c);
    ck_assert_int_eq(rbx_slots_in_use(dir, "run", 2, &err), 0);
    remove_dir();
}
END_TEST

START_TEST(test_busy_pool_waits_the_bounded_time)
{
    make_dir();
    rbx_error err;
    rbx_slot a, b;
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 1, 0, &a, &err), 1);
    uint64_t t0 = rbx_clock_ms();
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 1, 150, &b, &err), 0);
    long ms = elapsed_ms(t0);
    ck_assert_int_ge(ms, 150);
    /* It gave up rather than waiting on: not a speed check (a loaded
     * machine may take long), so the bound is loose. */
    ck_assert_int_lt(ms, 10000);
    rbx_slot_release(&a);
    remove_dir();
}
END_TEST

START_TEST(test_waiter_gets_slot_freed_by_killed_holder)
{
    make_dir();
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        rbx_error cerr;
        rbx_slot held;
        if (rbx_slot_acquire(dir, "run", 1, 0, &held, &cerr) != 1)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause(); /* hold until killed: no release, no cleanup */
        _exit(0);
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    rbx_error err;
    rbx_slot s;
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 1, 0, &s, &err), 0);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    ck_assert_int_eq(rbx_slot_acquire(dir, "run", 1, 1000, &s, &err), 1);
    rbx_slot_release(&s);
    close(ready[0]);
    close(ready[1]);
    remove_dir();
}
END_TEST

START_TEST(test_bad_pool_and_missing_dir_are_errors)
{
    rbx_error err;
    rbx_slot s;
    ck_assert_int_eq(rbx_slot_acquire("/tmp", "a/b", 1, 0, &s, &err), -1);
    ck_assert_int_eq(rbx_slot_acquire("/tmp", "run", 0, 0, &s, &err), -1);
    ck_assert_int_eq(rbx_slot_acquire("/nonexistent-rbx-dir", "run", 1, 0, &s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent-rbx-dir"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slots");
    TCase *tc = tcase_create("slots");
    tcase_add_test(tc, test_cap_is_enforced_and_release_frees);
    tcase_add_test(tc, test_busy_pool_waits_the_bounded_time);
    tcase_add_test(tc, test_waiter_gets_slot_freed_by_killed_holder);
    tcase_add_test(tc, test_bad_pool_and_missing_dir_are_errors);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
