/* Unit tests for common/config: defaults, a good file, and every kind of bad file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "tests/unit/support/check_main.h"

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/rbx-config-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(test_defaults_follow_design)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    ck_assert_uint_eq(cfg.max.wall_time_ms, 30000);
    ck_assert_uint_eq(cfg.max_code_kb, 50);
    ck_assert_int_eq(cfg.default_cpu_share_milli, 500);
}
END_TEST

START_TEST(test_file_overrides_defaults)
{
    unsetenv("RUNBOX_STATE_DIR");
    char *p = write_temp("[server]\nworkers = 7\nstate_dir = /srv/rbx\n"
                         "[callbacks]\nallow_networks = 127.0.0.0/8, 10.1.0.0/16\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), 0);
    ck_assert_int_eq(cfg.workers, 7);
    ck_assert_str_eq(cfg.state_dir, "/srv/rbx");
    ck_assert_uint_eq(cfg.n_allow_networks, 2);
    ck_assert_str_eq(cfg.allow_networks[1], "10.1.0.0/16");
    unlink(p);
}
END_TEST

START_TEST(test_section_header_without_bracket_is_named)
{
    char *p = write_temp("[server]\nworkers = 2\n\n[limits\nmax_cpu_time_ms = 500\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "line 4"));
    ck_assert_ptr_nonnull(strstr(err.message, "missing its ']'"));
    unlink(p);
}
END_TEST

START_TEST(test_key_outside_a_section_is_an_error)
{
    char *p = write_temp("workers = 2\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "outside any [section]"));
    unlink(p);
}
END_TEST

START_TEST(test_duplicate_key_is_an_error)
{
    char *p = write_temp("[server]\nworkers = 2\nworkers = 3\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "line 3"));
    ck_assert_ptr_nonnull(strstr(err.message, "server.workers is set more than once"));
    unlink(p);
}
END_TEST

START_TEST(test_allow_networks_must_be_networks)
{
    static const char *const bad[] = {"banana", "10.0.0.0/33", "fd00::/129", "10.0.0.0/",
                                      "10.0.0.0/8, 300.1.1.1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "[callbacks]\nallow_networks = %s\n", bad[i]);
        char *p = write_temp(text);
        rbx_config cfg;
        rbx_error err;
        rbx_config_defaults(&cfg);
        ck_assert_msg(rbx_config_load(&cfg, p, &err) == -1, "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err.message, "is not a network"));
        unlink(p);
    }
}
END_TEST

START_TEST(test_cors_origins_are_origins)
{
    static const char *const bad[] = {"example.org", "https://app.example.org/",
                                      "https://app.example.org/path", "ftp://x", "https://"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "[server]\ncors_origins = %s\n", bad[i]);
        char *p = write_temp(text);
        rbx_config cfg;
        rbx_error err;
        rbx_config_defaults(&cfg);
        ck_assert_msg(rbx_config_load(&cfg, p, &err) == -1, "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err.message, "is not an origin"));
        unlink(p);
    }
    char *p = write_temp("[server]\ncors_origins = https://a.example, http://localhost:3000\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_uint_eq(cfg.n_cors_origins, 0); /* none by default */
    ck_assert_msg(rbx_config_load(&cfg, p, &err) == 0, "%s", err.message);
    unlink(p);
    ck_assert_uint_eq(cfg.n_cors_origins, 2);
    ck_assert(rbx_config_cors_allows(&cfg, "http://localhost:3000"));
    ck_assert(rbx_config_cors_allows(&cfg, "HTTPS://A.EXAMPLE"));
    ck_assert(!rbx_config_cors_allows(&cfg, "https://b.example"));
    ck_assert(!rbx_config_cors_allows(&cfg, "https://a.example.evil"));
    ck_assert(!rbx_config_cors_allows(&cfg, NULL));
}
END_TEST

START_TEST(test_unknown_key_is_an_error_with_line)
{
    char *p = write_temp("[server]\n\nworkerz = 7\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "line 3"));
    ck_assert_ptr_nonnull(strstr(err.message, "workerz"));
    unlink(p);
}
END_TEST

START_TEST(test_out_of_range_value_is_an_error)
{
    char *p = write_temp("[limits]\nmax_wall_time_ms = -5\n");
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, p, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "max_wall_time_ms"));
    unlink(p);
}
END_TEST

START_TEST(test_state_dir_from_environment)
{
    setenv("RUNBOX_STATE_DIR", "/tmp/rbx-state", 1);
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, "", &err), 0);
    ck_assert_str_eq(cfg.state_dir, "/tmp/rbx-state");
    char db[512];
    rbx_config_store_path(&cfg, db, sizeof(db));
    ck_assert_str_eq(db, "/tmp/rbx-state/runbox.db");
    unsetenv("RUNBOX_STATE_DIR");
}
END_TEST

START_TEST(test_missing_file_is_an_error)
{
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    ck_assert_int_eq(rbx_config_load(&cfg, "/nonexistent/runbox.conf", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/runbox.conf"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_defaults_follow_design);
    tcase_add_test(tc, test_file_overrides_defaults);
    tcase_add_test(tc, test_unknown_key_is_an_error_with_line);
    tcase_add_test(tc, test_section_header_without_bracket_is_named);
    tcase_add_test(tc, test_key_outside_a_section_is_an_error);
    tcase_add_test(tc, test_duplicate_key_is_an_error);
    tcase_add_test(tc, test_allow_networks_must_be_networks);
    tcase_add_test(tc, test_cors_origins_are_origins);
    tcase_add_test(tc, test_out_of_range_value_is_an_error);
    tcase_add_test(tc, test_state_dir_from_environment);
    tcase_add_test(tc, test_missing_file_is_an_error);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
