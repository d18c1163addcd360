/* Unit tests for common/limits: the one table of limit fields covers every
 * field of rbx_limits exactly once, and the configuration file takes each
 * row's key within the row's bounds, defaulting to the row's ceiling. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/limits.h"
#include "tests/unit/support/check_main.h"

START_TEST(test_table_covers_every_field_once)
{
    ck_assert_uint_eq(RBX_N_LIMIT_FIELDS * sizeof(uint64_t), sizeof(rbx_limits));
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++) {
        const rbx_limit_field *f = &RBX_LIMIT_FIELDS[i];
        rbx_limits l;
        memset(&l, 0, sizeof(l));
        rbx_limit_set(&l, f, 77);
        ck_assert_uint_eq(rbx_limit_get(&l, f), 77);
        /* exactly one field of the struct changed: no two rows share one */
        for (size_t j = 0; j < RBX_N_LIMIT_FIELDS; j++)
            ck_assert_uint_eq(rbx_limit_get(&l, &RBX_LIMIT_FIELDS[j]), i == j ? 77 : 0);
        ck_assert_ptr_eq(rbx_limit_field_named(f->name), f);
        ck_assert_ptr_nonnull(f->unit);
        ck_assert_uint_le(f->min, f->default_max);
        ck_assert_uint_le(f->default_max, f->max);
    }
    ck_assert_ptr_null(rbx_limit_field_named("time_ms"));
    ck_assert_ptr_null(rbx_limit_field_named("max_cpu_time_ms"));
    rbx_limits l = {.memory_kb = 5};
    ck_assert_uint_eq(rbx_limit_get(&l, rbx_limit_field_named("memory_kb")), 5);
}
END_TEST

static int load_value(const char *key, uint64_t value, rbx_config *cfg, rbx_error *err)
{
    char path[] = "/tmp/rbx-limits-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "[limits]\n%s = %" PRIu64 "\n", key, value);
    ck_assert_int_eq(fclose(f), 0);
    rbx_config_defaults(cfg);
    int rc = rbx_config_load(cfg, path, err);
    unlink(path);
    return rc;
}

START_TEST(test_config_keys_follow_the_table)
{
    rbx_config cfg;
    rbx_error err;
    rbx_config_defaults(&cfg);
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++) {
        const rbx_limit_field *f = &RBX_LIMIT_FIELDS[i];
        ck_assert_uint_eq(rbx_limit_get(&cfg.max, f), f->default_max);
    }
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++) {
        const rbx_limit_field *f = &RBX_LIMIT_FIELDS[i];
        ck_assert_msg(load_value(f->config_key, f->min, &cfg, &err) == 0, "%s", err.message);
        ck_assert_uint_eq(rbx_limit_get(&cfg.max, f), f->min);
        ck_assert_msg(load_value(f->config_key, f->max, &cfg, &err) == 0, "%s", err.message);
        ck_assert_uint_eq(rbx_limit_get(&cfg.max, f), f->max);
        ck_assert_int_eq(load_value(f->config_key, f->min - 1, &cfg, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, f->config_key));
        ck_assert_int_eq(load_value(f->config_key, f->max + 1, &cfg, &err), -1);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_table_covers_every_field_once);
    tcase_add_test(tc, test_config_keys_follow_the_table);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
