/* Work dirs: created private, written without following links, and removed
 * completely whatever the run left: links to host files (which must survive),
 * unreadable dirs, deep nesting. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/workdir.h"
#include "tests/unit/support/check_main.h"

static char base[64];

static void setup(void)
{
    snprintf(base, sizeof(base), "/tmp/rbx-wd-test-%d", (int)getpid());
}

static void teardown(void)
{
    rmdir(base);
}

START_TEST(test_create_write_remove)
{
    rbx_workdir wd;
    rbx_error err;
    ck_assert_int_eq(rbx_workdir_create(base, &wd, &err), 0);
    struct stat st;
    ck_assert_int_eq(stat(base, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(wd.path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    ck_assert_int_eq(rbx_workdir_write(&wd, "main.c", "int x;\n", 7, &err), 0);
    ck_assert_int_eq(rbx_workdir_write(&wd, "main.c", "again", 5, &err), -1); /* never overwrite */
    char path[600];
    snprintf(path, sizeof(path), "%s/main.c", wd.path);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 7);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(rbx_workdir_remove(&wd, &err), 0);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* Processes forked from one parent (as pool workers are) each hold many
 * run dirs at once: every create succeeds, and every dir is its creator's
 * alone (no name drawn twice, no dir replaced by another's rename). */
#define FORKED_CREATORS 4
#define DIRS_EACH 300

static int create_and_hold(void)
{
    static rbx_workdir wd[DIRS_EACH];
    rbx_error err;
    char mark[32];
    int n = snprintf(mark, sizeof(mark), "%d", (int)getpid());
    for (int i = 0; i < DIRS_EACH; i++)
        if (rbx_workdir_create(base, &wd[i], &err) != 0 ||
            rbx_workdir_write(&wd[i], "owner", mark, (size_t)n, &err) != 0)
            return 1;
    for (int i = 0; i < DIRS_EACH; i++) {
        char got[32] = {0};
        int fd = openat(wd[i].fd, "owner", O_RDONLY | O_CLOEXEC);
        FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
        if (!f || !fgets(got, sizeof(got), f) || strcmp(got, mark) != 0)
            return 2;
        fclose(f);
    }
    for (int i = 0; i < DIRS_EACH; i++)
        if (rbx_workdir_remove(&wd[i], &err) != 0)
            return 3;
    return 0;
}

START_TEST(test_forked_creators_never_share_a_dir)
{
    pid_t kids[FORKED_CREATORS];
    for (int k = 0; k < FORKED_CREATORS; k++) {
        kids[k] = fork();
        ck_assert_int_ge(kids[k], 0);
        if (kids[k] == 0)
            _exit(create_and_hold());
    }
    for (int k = 0; k < FORKED_CREATORS; k++) {
        int status;
        ck_assert_int_eq(waitpid(kids[k], &status, 0), kids[k]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "creator %d: status %d", k,
                      status);
    }
}
END_TEST

START_TEST(test_planted_links_are_not_followed)
{
    rbx_workdir wd;
    rbx_error err;
    char victim[64], path[700];
    snprintf(victim, sizeof(victim), "/tmp/rbx-wd-victim-%d", (int)getpid());
    mkdir(victim, 0700);
    snprintf(path, sizeof(path), "%s/keep", victim);
    FILE *f = fopen(path, "w");
    fputs("precious", f);
    fclose(f);

    ck_assert_int_eq(rbx_workdir_create(base, &wd, &err), 0);
    snprintf(path, sizeof(path), "%s/out.txt", wd.path);
    char target[128];
    snprintf(target, sizeof(target), "%s/keep", victim);
    ck_assert_int_eq(symlink(target, path), 0);
    /* Writing through a planted name fails instead of clobbering the target. */
    ck_assert_int_eq(rbx_workdir_write(&wd, "out.txt", "x", 1, &err), -1);
    snprintf(path, sizeof(path), "%s/dirlink", wd.path);
    ck_assert_int_eq(symlink(victim, path), 0);
    snprintf(path, sizeof(path), "%s/hard", wd.path);
    ck_assert_int_eq(link(target, path), 0);
    ck_assert_int_eq(rbx_workdir_remove(&wd, &err), 0);

    struct stat st;
    ck_assert_int_eq(stat(target, &st), 0);
    ck_assert_int_eq(st.st_size, 8);
    unlink(target);
    rmdir(victim);
}
END_TEST

START_TEST(test_hostile_trees_are_removed)
{
    rbx_workdir wd;
    rbx_error err;
    ck_assert_int_eq(rbx_workdir_create(base, &wd, &err), 0);
    /* 300 nested levels, deeper than the remover recurses. */
    int fd = dup(wd.fd);
    for (int i = 0; i < 300; i++) {
        ck_assert_int_eq(mkdirat(fd, "d", 0700), 0);
        int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
        ck_assert_int_ge(sub, 0);
        close(fd);
        fd = sub;
    }
    ck_assert_int_eq(mkdirat(fd, "locked", 0700), 0);
    int locked = openat(fd, "locked", O_RDONLY | O_DIRECTORY);
    close(openat(locked, "f", O_WRONLY | O_CREAT, 0600));
    fchmod(locked, 0);
    close(locked);
    close(fd);
    ck_assert_msg(rbx_workdir_remove(&wd, &err) == 0, "%s", err.message);
    ck_assert_int_eq(access(wd.path, F_OK), -1);
}
END_TEST

START_TEST(test_base_must_be_private)
{
    rbx_workdir wd;
    rbx_error err;
    char open_base[64], linked[64];
    snprintf(open_base, sizeof(open_base), "/tmp/rbx-wd-open-%d", (int)getpid());
    mkdir(open_base, 0755);
    chmod(open_base, 0755);
    ck_assert_int_eq(rbx_workdir_create(open_base, &wd, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "0700"));
    snprintf(linked, sizeof(linked), "/tmp/rbx-wd-link-%d", (int)getpid());
    ck_assert_int_eq(symlink(open_base, linked), 0);
    ck_assert_int_eq(rbx_workdir_create(linked, &wd, &err), -1);
    unlink(linked);
    rmdir(open_base);
}
END_TEST

START_TEST(test_base_choice)
{
    char out[512], dir[64], want[128];
    snprintf(dir, sizeof(dir), "/tmp/rbx-wd-state-%d", (int)getpid());
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    rbx_workdir_base(dir, out, sizeof(out));
    snprintf(want, sizeof(want), "%s/work", dir);
    ck_assert_str_eq(out, want);
    rmdir(dir);
    /* No usable state dir: a private dir under $TMPDIR. */
    setenv("TMPDIR", "/tmp", 1);
    rbx_workdir_base(dir, out, sizeof(out));
    snprintf(want, sizeof(want), "/tmp/runbox-work-%u", (unsigned)geteuid());
    ck_assert_str_eq(out, want);
}
END_TEST

/* A run whose process was killed leaves its dir (the submission inside); the
 * sweep removes it and keeps the dir of a run that is still going. */
START_TEST(test_sweep_removes_only_dead_runs)
{
    rbx_workdir live, dead;
    rbx_error err;
    int removed = -1;
    ck_assert_int_eq(rbx_workdir_create(base, &live, &err), 0);
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        if (rbx_workdir_create(base, &dead, &err) < 0 ||
            rbx_workdir_write(&dead, "main.py", "print(1)\n", 9, &err) < 0)
            _exit(1);
        if (write(pipefd[1], dead.path, strlen(dead.path) + 1) < 0)
            _exit(1);
        pause(); /* killed mid-run */
        _exit(0);
    }
    close(pipefd[1]);
    char dead_path[sizeof(dead.path)] = "";
    ck_assert_int_gt(read(pipefd[0], dead_path, sizeof(dead_path)), 0);
    close(pipefd[0]);
    ck_assert_int_eq(rbx_workdir_sweep(base, &removed, &err), 0);
    ck_assert_int_eq(removed, 0); /* both runs alive */
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    struct stat st;
    ck_assert_int_eq(stat(dead_path, &st), 0); /* left behind */
    ck_assert_int_eq(rbx_workdir_sweep(base, &removed, &err), 0);
    ck_assert_int_eq(removed, 1);
    ck_assert_int_eq(stat(dead_path, &st), -1);
    ck_assert_int_eq(stat(live.path, &st), 0);
    ck_assert_int_eq(rbx_workdir_remove(&live, &err), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("workdir");
    TCase *tc = tcase_create("workdir");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_write_remove);
    tcase_add_test(tc, test_forked_creators_never_share_a_dir);
    tcase_add_test(tc, test_planted_links_are_not_followed);
    tcase_add_test(tc, test_hostile_trees_are_removed);
    tcase_add_test(tc, test_base_must_be_private);
    tcase_add_test(tc, test_base_choice);
    tcase_add_test(tc, test_sweep_removes_only_dead_runs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
