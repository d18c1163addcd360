/* Unit tests for sandbox/host_files: what a box may plant in its work dir
 * (symlinks, hard links to outside files, FIFOs, deep or locked trees) must
 * never make the host read, write or delete anything outside it. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/host_files.h"
#include "tests/unit/support/check_main.h"

static char base[256]; /* a scratch dir holding "box" (the work dir) and "outside" */
static int box_fd = -1;

static void setup(void)
{
    rbx_error err;
    ck_assert_int_eq(rbx_host_make_temp_dir("/tmp", base, sizeof(base), &err), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/box", base);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/outside", base);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("host secret", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/box", base);
    box_fd = open(path, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(box_fd, 0);
}

static void teardown(void)
{
    rbx_error err;
    close(box_fd);
    int parent = open("/tmp", O_RDONLY | O_DIRECTORY);
    rbx_host_remove_tree(parent, base + strlen("/tmp/"), &err);
    close(parent);
}

static bool outside_intact(void)
{
    char path[512], buf[64] = {0};
    snprintf(path, sizeof(path), "%s/outside", base);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    return n == 11 && strcmp(buf, "host secret") == 0;
}

START_TEST(test_write_then_read)
{
    rbx_error err;
    char *data;
    size_t len;
    ck_assert_int_eq(rbx_host_mkdir(box_fd, "src", 0755, &err), 0);
    ck_assert_int_eq(rbx_host_write_file(box_fd, "src/main.c", "int main;", 9, 0644, &err), 0);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "src/main.c", 100, &data, &len, &err), 0);
    ck_assert_uint_eq(len, 9);
    ck_assert_str_eq(data, "int main;");
    free(data);
    /* never over an existing file */
    ck_assert_int_eq(rbx_host_write_file(box_fd, "src/main.c", "x", 1, 0644, &err), -1);
}
END_TEST

START_TEST(test_symlink_is_refused)
{
    rbx_error err;
    char *data;
    size_t len;
    char target[512];
    snprintf(target, sizeof(target), "%s/outside", base);
    ck_assert_int_eq(symlinkat(target, box_fd, "out.txt"), 0);
    ck_assert_int_eq(symlinkat("/etc", box_fd, "etc"), 0);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "out.txt", 100, &data, &len, &err), -1);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "etc/passwd", 100000, &data, &len, &err), -1);
    ck_assert_int_eq(rbx_host_write_file(box_fd, "out.txt", "pwned", 5, 0644, &err), -1);
    ck_assert_int_eq(rbx_host_write_file(box_fd, "etc/pwned", "x", 1, 0644, &err), -1);
    ck_assert_int_eq(rbx_host_copy_file(box_fd, "out.txt", box_fd, "copy", 100, 0644, &err), -1);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "../outside", 100, &data, &len, &err), -1);
    ck_assert_int_eq(rbx_host_open_beneath(box_fd, "/etc/passwd", O_RDONLY, 0, &err), -1);
    ck_assert(outside_intact());
    ck_assert_int_eq(access("/etc/pwned", F_OK), -1);
}
END_TEST

START_TEST(test_hardlink_to_outside_is_refused)
{
    rbx_error err;
    char *data;
    size_t len;
    char target[512], link_path[512];
    snprintf(target, sizeof(target), "%s/outside", base);
    snprintf(link_path, sizeof(link_path), "%s/box/linked", base);
    ck_assert_int_eq(link(target, link_path), 0);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "linked", 100, &data, &len, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "link"));
}
END_TEST

START_TEST(test_non_regular_files_are_refused)
{
    rbx_error err;
    char *data;
    size_t len;
    ck_assert_int_eq(mkfifoat(box_fd, "fifo", 0644), 0);
    ck_assert_int_eq(mkdirat(box_fd, "dir", 0755), 0);
    /* A FIFO with no writer must neither hang nor be read. */
    ck_assert_int_eq(rbx_host_read_file(box_fd, "fifo", 100, &data, &len, &err), -1);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "dir", 100, &data, &len, &err), -1);
}
END_TEST

START_TEST(test_size_cap)
{
    rbx_error err;
    char *data;
    size_t len;
    char big[4096];
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(rbx_host_write_file(box_fd, "big", big, sizeof(big), 0644, &err), 0);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "big", 1000, &data, &len, &err), -1);
    ck_assert_int_eq(rbx_host_read_file(box_fd, "big", 4096, &data, &len, &err), 0);
    ck_assert_uint_eq(len, 4096);
    free(data);
}
END_TEST

START_TEST(test_remove_tree_does_not_follow_links)
{
    rbx_error err;
    char outside_dir[512], target[512];
    snprintf(outside_dir, sizeof(outside_dir), "%s/keep", base);
    ck_assert_int_eq(mkdir(outside_dir, 0755), 0);
    snprintf(target, sizeof(target), "%s/keep/file", base);
    FILE *f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    /* a tree with a symlink to a host dir, a locked subdir and depth */
    ck_assert_int_eq(mkdirat(box_fd, "t", 0755), 0);
    ck_assert_int_eq(symlinkat(outside_dir, box_fd, "t/link-to-keep"), 0);
    ck_assert_int_eq(mkdirat(box_fd, "t/a", 0755), 0);
    ck_assert_int_eq(mkdirat(box_fd, "t/a/b", 0755), 0);
    ck_assert_int_eq(rbx_host_write_file(box_fd, "t/a/b/f", "x", 1, 0644, &err), 0);
    ck_assert_int_eq(fchmodat(box_fd, "t/a", 0, 0), 0);
    ck_assert_int_eq(rbx_host_remove_tree(box_fd, "t", &err), 0);
    ck_assert_int_eq(faccessat(box_fd, "t", F_OK, AT_SYMLINK_NOFOLLOW), -1);
    ck_assert_int_eq(access(target, F_OK), 0);
    ck_assert(outside_intact());
    ck_assert_int_eq(rbx_host_remove_tree(box_fd, "../outside", &err), -1);
    ck_assert(outside_intact());
}
END_TEST

static Suite *host_files_suite(void)
{
    Suite *s = suite_create("host_files");
    TCase *tc = tcase_create("planted");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_write_then_read);
    tcase_add_test(tc, test_symlink_is_refused);
    tcase_add_test(tc, test_hardlink_to_outside_is_refused);
    tcase_add_test(tc, test_non_regular_files_are_refused);
    tcase_add_test(tc, test_size_cap);
    tcase_add_test(tc, test_remove_tree_does_not_follow_links);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(host_files_suite());
}
