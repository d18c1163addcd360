/* Unit tests for fcgi/pool.c: the master starts N workers, replaces one that
 * is killed, and on SIGTERM stops them all and exits 0. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi/pool.h"
#include "tests/unit/support/check_main.h"

static int report_fd = -1; /* workers write their pid here */
static int deaths_fd = -1; /* the master writes a byte per replaced worker */

static int worker_main(void *ctx)
{
    (void)ctx;
    pid_t me = getpid();
    if (write(report_fd, &me, sizeof(me)) != (ssize_t)sizeof(me))
        return 1;
    for (;;)
        pause(); /* SIGTERM's default action ends us */
}

static void after_death(void *ctx)
{
    (void)ctx;
    if (write(deaths_fd, "x", 1) != 1)
        _exit(3);
}

static pid_t read_pid(int fd)
{
    pid_t pid = 0;
    ck_assert_int_eq(read(fd, &pid, sizeof(pid)), (ssize_t)sizeof(pid));
    return pid;
}

START_TEST(test_replaces_dead_worker_and_drains_on_sigterm)
{
    int pids[2], deaths[2];
    ck_assert_int_eq(pipe(pids), 0);
    ck_assert_int_eq(pipe(deaths), 0);
    pid_t master = fork();
    ck_assert_int_ge(master, 0);
    if (master == 0) {
        report_fd = pids[1];
        deaths_fd = deaths[1];
        rbx_pool_options opt = {.workers = 3,
                                .drain_timeout_ms = 5000,
                                .worker_main = worker_main,
                                .after_worker_death = after_death};
        _exit(rbx_pool_run(&opt));
    }
    pid_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = read_pid(pids[0]);

    ck_assert_int_eq(kill(w[1], SIGKILL), 0);
    pid_t replacement = read_pid(pids[0]);
    ck_assert_int_ne(replacement, w[0]);
    ck_assert_int_ne(replacement, w[1]);
    ck_assert_int_ne(replacement, w[2]);
    char c;
    ck_assert_int_eq(read(deaths[0], &c, 1), 1);

    ck_assert_int_eq(kill(master, SIGTERM), 0);
    int status;
    ck_assert_int_eq(waitpid(master, &status, 0), master);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    pid_t alive[] = {w[0], w[2], replacement};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(kill(alive[i], 0) < 0, "worker %d outlived the master", (int)alive[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fcgi-pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_replaces_dead_worker_and_drains_on_sigterm);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
