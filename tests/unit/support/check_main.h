/* The one main of the Check unit tests: run a suite, exit 0 when every test
 * passed. A test that cannot run on this host skips with its reason through
 * Check itself (the suites print why), never by passing silently. */
#ifndef RBX_TEST_CHECK_MAIN_H
#define RBX_TEST_CHECK_MAIN_H

#include <check.h>

static inline int rbx_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
