/* Unit tests for common/io.c. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "tests/unit/support/check_main.h"

START_TEST(test_writes_everything)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(fcntl(p[1], F_SETPIPE_SZ, 4096) >= 0, 1);
    static char data[3000], back[3000];
    memset(data, 'x', sizeof(data));
    ck_assert_int_eq(rbx_write_all(p[1], data, sizeof(data)), 0);
    close(p[1]);
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], back + got, sizeof(back) - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    ck_assert_uint_eq(got, sizeof(data));
    ck_assert_int_eq(memcmp(data, back, sizeof(data)), 0);
}
END_TEST

START_TEST(test_reports_errors)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    close(p[1]);
    errno = 0;
    ck_assert_int_eq(rbx_write_all(p[1], "x", 1), -1);
    ck_assert_int_eq(errno, EBADF);
    close(p[0]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("write_all");
    tcase_add_test(tc, test_writes_everything);
    tcase_add_test(tc, test_reports_errors);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
