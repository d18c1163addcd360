/* docs/runbox.conf is the installed default configuration: it must load as is,
 * and with every documented "#key = value" line uncommented it must still load
 * and give exactly the compiled-in defaults (so the documentation cannot drift
 * from common/config.c). Every key of the configuration's table must be in
 * it, under its section, and in runbox.conf(5) (docs/runbox.conf.5). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "tests/unit/support/check_main.h"

static char doc_path[4096];
static char man_path[4096];

static void find_doc(void)
{
    const char *src = getenv("RUNBOX_SRCDIR");
    snprintf(doc_path, sizeof(doc_path), "%s/docs/runbox.conf", src ? src : ".");
    snprintf(man_path, sizeof(man_path), "%s/docs/runbox.conf.5", src ? src : ".");
    ck_assert_msg(access(doc_path, R_OK) == 0, "cannot read %s", doc_path);
    ck_assert_msg(access(man_path, R_OK) == 0, "cannot read %s", man_path);
}

/* "[server]" in line (a file's section header, or the man page's .SS
 * heading) sets section; returns whether line was one. */
static bool section_of(const char *line, char *section, size_t sectionsz)
{
    const char *open = strchr(line, '[');
    const char *close = open ? strchr(open, ']') : NULL;
    bool header = line[0] == '[' || strncmp(line, ".SS", 3) == 0;
    if (!header || !close)
        return false;
    snprintf(section, sectionsz, "%.*s", (int)(close - open - 1), open + 1);
    return true;
}

/* Is key in the file under [section]? In runbox.conf a key is a line
 * "#name =" (or "name ="); in the man page a ".B name" line (a .TP tag). */
static bool documented(const char *path, const char *section, const char *name, bool man)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024], current[64] = "";
    char want[128];
    snprintf(want, sizeof(want), man ? ".B %s" : "%s =", name);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (section_of(line, current, sizeof(current)))
            continue;
        const char *p = !man && line[0] == '#' ? line + 1 : line;
        found = strcmp(current, section) == 0 && strncmp(p, want, strlen(want)) == 0 &&
                (man ? p[strlen(want)] == '\0' : true);
    }
    fclose(f);
    return found;
}

START_TEST(test_every_key_is_documented)
{
    find_doc();
    size_t n = rbx_config_key_count();
    ck_assert_uint_ge(n, 40);
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        const char *section, *name;
        rbx_config_key_at(i, &section, &name);
        if (!documented(doc_path, section, name, false)) {
            fprintf(stderr, "docs/runbox.conf: [%s] %s is missing\n", section, name);
            missing++;
        }
        if (!documented(man_path, section, name, true)) {
            fprintf(stderr, "docs/runbox.conf.5: [%s] %s is missing\n", section, name);
            missing++;
        }
    }
    ck_assert_msg(missing == 0, "%d keys undocumented (listed above)", missing);
}
END_TEST

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
    tcase_add_test(tc, test_every_key_is_documented);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
