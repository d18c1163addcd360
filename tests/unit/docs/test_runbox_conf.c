/* docs/runbox.conf is the installed default configuration: it must load as is,
 * and with every documented "#key = value" line uncommented it must still load
 * and give exactly the compiled-in defaults (so the documentation cannot drift
 * from common/config.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

static char doc_path[4096];

static void find_doc(void)
{
    const char *src = getenv("RUNBOX_SRCDIR");
    snprintf(doc_path, sizeof(doc_path), "%s/docs/runbox.conf", src ? src : ".");
    ck_assert_msg(access(doc_path, R_OK) == 0, "cannot read %s", doc_path);
}

/* Copy the file with "#key = value" lines uncommented; returns how many. */
static int uncomment_to(const char *out_path)
{
    FILE *in = fopen(doc_path, "r");
    FILE *out = fopen(out_path, "w");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), in)) {
        const char *eq = strchr(line, '=');
        const char *sp = strchr(line, ' ');
        /* A setting is "#name = value": no space before the " =". */
        if (line[0] == '#' && line[1] != ' ' && line[1] != '\n' && eq && sp && sp + 1 == eq) {
            fputs(line + 1, out);
            n++;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    fclose(out);
    return n;
}

START_TEST(test_installed_file_loads_as_is)
{
    find_doc();
    unsetenv("RUNBOX_STATE_DIR");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_msg(rbx_config_load(&cfg, doc_path, &err) == 0, "%s", err.message);
}
END_TEST

START_TEST(test_documented_values_are_the_defaults)
{
    find_doc();
    unsetenv("RUNBOX_STATE_DIR");
    char tmp[] = "/tmp/rbx-docconf-XXXXXX";
    int fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    close(fd);
    int n = uncomment_to(tmp);
    ck_assert_int_ge(n, 30); /* every key of the table, not a handful */

    rbx_config documented, defaults;
    rbx_error err;
    rbx_config_defaults(&defaults);
    rbx_config_defaults(&documented);
    /* Paths depend on configure's prefix; the file shows the packaged ones. */
    snprintf(defaults.state_dir, sizeof(defaults.state_dir), "/var/lib/runbox");
    snprintf(defaults.languages_dir, sizeof(defaults.languages_dir), "/usr/share/runbox/languages");
    snprintf(documented.state_dir, sizeof(documented.state_dir), "/nowhere");
    ck_assert_msg(rbx_config_load(&documented, tmp, &err) == 0, "%s", err.message);
    unlink(tmp);
    ck_assert_str_eq(documented.socket_path, defaults.socket_path);
    ck_assert_str_eq(documented.state_dir, defaults.state_dir);
    ck_assert_str_eq(documented.languages_dir, defaults.languages_dir);
    ck_assert(memcmp(&documented, &defaults, sizeof(defaults)) == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docs-runbox-conf");
    TCase *tc = tcase_create("runbox.conf");
    tcase_add_test(tc, test_installed_file_loads_as_is);
    tcase_add_test(tc, test_documented_values_are_the_defaults);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
