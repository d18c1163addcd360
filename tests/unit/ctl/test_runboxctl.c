/* Unit tests for runboxctl: the built binary run against a store in a
 * temporary state dir, checked through the store library. */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "tests/unit/store/fixture.h"
#include "tests/unit/support/check_main.h"

#define RUNBOXCTL "./ctl/runboxctl"

static fixture fx;
static char config_path[128];
static char out[8192], errout[2048];

static void write_config(const char *text)
{
    FILE *f = fopen(config_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    fixture_open(&fx);
    setenv("RUNBOX_STATE_DIR", fx.dir, 1);
    snprintf(config_path, sizeof(config_path), "%s/runbox.conf", fx.dir);
    write_config("[history]\nmax_rows_per_user = 0\n");
    /* Never the host's installed configuration. */
    setenv("RUNBOX_CONFIG", config_path, 1);
}

static void teardown(void)
{
    fixture_close(&fx);
}

static void read_all(int fd, char *buf, size_t bufsz)
{
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ssize_t n = read(fd, buf, bufsz - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    close(fd);
}

static int temp_fd(void)
{
    char path[] = "/tmp/rbx-ctl-out-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    return fd;
}

/* Run runboxctl with args (NULL-terminated); returns its exit status. */
static int run_ctl(const char *first, ...)
{
    const char *argv[16] = {RUNBOXCTL};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    int out_fd = temp_fd(), err_fd = temp_fd();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(RUNBOXCTL, (char *const *)argv);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    read_all(out_fd, out, sizeof(out));
    read_all(err_fd, errout, sizeof(errout));
    ck_assert_msg(WIFEXITED(status), "runboxctl died");
    return WEXITSTATUS(status);
}

static void assert_one_line_error(void)
{
    ck_assert_msg(strncmp(errout, "runboxctl: ", 11) == 0, "stderr: %s", errout);
    char *newline = strchr(errout, '\n');
    ck_assert_ptr_nonnull(newline);
    ck_assert_str_eq(newline + 1, "");
}

/* The value after "label" on its own line of out. */
static void line_value(const char *label, char *value, size_t valuesz)
{
    const char *p = strstr(out, label);
    ck_assert_msg(p != NULL, "no '%s' in: %s", label, out);
    p += strlen(label);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    ck_assert_uint_lt(n, valuesz);
    memcpy(value, p, n);
    value[n] = '\0';
}

START_TEST(test_help_and_version)
{
    ck_assert_int_eq(run_ctl("--help", NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "key create --user NAME"));
    ck_assert_ptr_nonnull(strstr(out, "history prune"));
    ck_assert_int_eq(run_ctl("--version", NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "runboxctl "));
}
END_TEST

START_TEST(test_bad_usage_is_one_line_and_exit_2)
{
    const char *cases[][4] = {
        {NULL},
        {"key", NULL},
        {"frobnicate", NULL},
        {"key", "create", NULL},
        {"key", "revoke", NULL},
        {"key", "list", "extra", NULL},
        {"--bogus", "key", "list", NULL},
        {"key", "list", "--user", "x"},
        {"key", "list", "--config", NULL},
        {"history", "prune", "--max-age-days", "-3"},
        {"history", "prune", "--max-rows-per-user", "lots"},
        {"key", "list", "--max-age-days", "3"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = run_ctl(cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
        ck_assert_msg(rc == 2, "case %zu exited %d", i, rc);
        assert_one_line_error();
        ck_assert_str_eq(out, "");
    }
}
END_TEST

START_TEST(test_key_create_prints_a_working_key)
{
    ck_assert_int_eq(run_ctl("--config", config_path, "key", "create", "--user", "alice", NULL), 0);
    char key[RBX_STORE_KEY_SIZE], secret[80];
    line_value("key:", key, sizeof(key));
    line_value("signing secret:", secret, sizeof(secret));
    rbx_key_info info;
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, key, &info, &err), 0);
    ck_assert_str_eq(info.user, "alice");
    ck_assert_str_eq(info.signing_secret, secret);
}
END_TEST

static void create_json_key(const char *user, char *key, char *prefix)
{
    ck_assert_int_eq(run_ctl("--json", "key", "create", "--user", user, NULL), 0);
    json_object *obj = json_tokener_parse(out), *v;
    ck_assert_ptr_nonnull(obj);
    ck_assert(json_object_object_get_ex(obj, "key", &v));
    strcpy(key, json_object_get_string(v));
    ck_assert(json_object_object_get_ex(obj, "prefix", &v));
    strcpy(prefix, json_object_get_string(v));
    ck_assert(json_object_object_get_ex(obj, "signing_secret", &v));
    ck_assert_uint_eq(strlen(json_object_get_string(v)), 64);
    json_object_put(obj);
}

START_TEST(test_key_list_hides_keys)
{
    char key[RBX_STORE_KEY_SIZE], prefix[16];
    create_json_key("bob", key, prefix);
    ck_assert_int_eq(run_ctl("key", "list", NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, prefix));
    ck_assert_ptr_nonnull(strstr(out, "bob"));
    ck_assert_ptr_null(strstr(out, key));
    ck_assert_int_eq(run_ctl("key", "list", "--json", NULL), 0);
    json_object *list = json_tokener_parse(out);
    ck_assert(json_object_is_type(list, json_type_array));
    ck_assert_uint_eq(json_object_array_length(list), 1);
    ck_assert_ptr_null(strstr(out, key));
    json_object_put(list);
}
END_TEST

/* As runboxctl prints JSON (ctl/commands.c, print_json). */
static const char *pretty(json_object *doc)
{
    return json_object_to_json_string_ext(doc,
                                          JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}

START_TEST(test_key_list_json_pins_the_wire_format)
{
    char alice[] = "alice", bob[] = "bob.b@x", p1[] = "rbx_abcdefgh", p2[] = "rbx_ijklmnop";
    rbx_key_row rows[] = {
        {.id = 1, .user = alice, .prefix = p1, .created_at_ms = 1714564800000},
        {.id = 7,
         .user = bob,
         .prefix = p2,
         .created_at_ms = 1714564801000,
         .revoked = true,
         .revoked_at_ms = 1714651200000},
    };
    rbx_key_list list = {.items = rows, .n = 2};
    json_object *doc = ctl_key_list_json(&list);
    ck_assert_str_eq(pretty(doc), "[\n"
                                  "  {\n"
                                  "    \"id\":1,\n"
                                  "    \"user\":\"alice\",\n"
                                  "    \"prefix\":\"rbx_abcdefgh\",\n"
                                  "    \"created_at\":\"2024-05-01T12:00:00.000Z\",\n"
                                  "    \"revoked\":false,\n"
                                  "    \"revoked_at\":null\n"
                                  "  },\n"
                                  "  {\n"
                                  "    \"id\":7,\n"
                                  "    \"user\":\"bob.b@x\",\n"
                                  "    \"prefix\":\"rbx_ijklmnop\",\n"
                                  "    \"created_at\":\"2024-05-01T12:00:01.000Z\",\n"
                                  "    \"revoked\":true,\n"
                                  "    \"revoked_at\":\"2024-05-02T12:00:00.000Z\"\n"
                                  "  }\n"
                                  "]");
    json_object_put(doc);
    list.n = 0;
    doc = ctl_key_list_json(&list);
    ck_assert_str_eq(pretty(doc), "[\n]");
    json_object_put(doc);
}
END_TEST

/* What `key list --json` prints is that writer's JSON of the store's list. */
START_TEST(test_key_list_json_is_the_writers)
{
    char key[RBX_STORE_KEY_SIZE], prefix[16];
    create_json_key("dave", key, prefix);
    create_json_key("erin", key, prefix);
    ck_assert_int_eq(run_ctl("key", "revoke", prefix, NULL), 0);
    ck_assert_int_eq(run_ctl("key", "list", "--json", NULL), 0);
    rbx_key_list list;
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_list(fx.store, &list, &err), 0);
    ck_assert_uint_eq(list.n, 2);
    ck_assert(list.items[1].revoked);
    json_object *doc = ctl_key_list_json(&list);
    char expected[8192];
    snprintf(expected, sizeof(expected), "%s\n", pretty(doc));
    ck_assert_str_eq(out, expected);
    json_object_put(doc);
    rbx_key_list_free(&list);
}
END_TEST

START_TEST(test_key_revoke)
{
    char key[RBX_STORE_KEY_SIZE], prefix[16];
    create_json_key("carol", key, prefix);
    ck_assert_int_eq(run_ctl("key", "revoke", prefix, NULL), 0);
    rbx_key_info info;
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, key, &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_UNAUTHORIZED);
    ck_assert_int_eq(run_ctl("key", "revoke", "rbx_nomatch", NULL), 1);
    assert_one_line_error();
}
END_TEST

START_TEST(test_prune_with_flags)
{
    for (int i = 0; i < 5; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, NULL);
    ck_assert_int_eq(run_ctl("--json", "history", "prune", "--max-rows-per-user", "2", NULL), 0);
    json_object *obj = json_tokener_parse(out), *v;
    ck_assert(json_object_object_get_ex(obj, "removed", &v));
    ck_assert_int_eq(json_object_get_int(v), 3);
    json_object_put(obj);
    ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM history"), 2);
}
END_TEST

START_TEST(test_prune_uses_configured_retention)
{
    for (int i = 0; i < 4; i++)
        add_run(fx.store, "alice", "c", "success", 0, i, NULL);
    ck_assert_int_eq(run_ctl("--config", config_path, "history", "prune", NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "Nothing pruned"));
    write_config("[history]\nmax_rows_per_user = 1\n");
    ck_assert_int_eq(run_ctl("--config", config_path, "history", "prune", NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "Removed 3 runs"));
    ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM history"), 1);
}
END_TEST

START_TEST(test_missing_state_dir_or_config_fails)
{
    setenv("RUNBOX_STATE_DIR", "/nonexistent-rbx-state", 1);
    ck_assert_int_eq(run_ctl("key", "list", NULL), 1);
    assert_one_line_error();
    ck_assert_ptr_nonnull(strstr(errout, "/nonexistent-rbx-state"));
    setenv("RUNBOX_STATE_DIR", fx.dir, 1);
    ck_assert_int_eq(run_ctl("--config", "/nonexistent-rbx.conf", "key", "list", NULL), 1);
    assert_one_line_error();
    write_config("[history]\nmax_rows = 3\n");
    ck_assert_int_eq(run_ctl("--config", config_path, "key", "list", NULL), 1);
    assert_one_line_error();
}
END_TEST

/* As root, a state dir owned by the service's user stays that user's. */
START_TEST(test_root_acts_as_state_dir_owner)
{
    if (geteuid() != 0)
        return;
    rbx_store_close(fx.store);
    fx.store = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/runbox.db", fx.dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(chown(fx.dir, 65534, 65534), 0);
    ck_assert_int_eq(run_ctl("key", "create", "--user", "dave", NULL), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_uid, 65534);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(path, &fx.store, &err), 0);
}
END_TEST

/* The backup is a complete, self-contained database: the runs and keys are in
 * it, no WAL beside it; as root with a state dir of the service's user, the
 * state dir keeps nothing of root's and FILE belongs to the caller. */
START_TEST(test_backup_is_a_consistent_copy)
{
    char id[40];
    add_run(fx.store, "alice", "python", "success", 1, 10, id);
    add_run(fx.store, "bob", "c", "success", 2, 20, id);
    ck_assert_int_eq(run_ctl("key", "create", "--user", "carol", NULL), 0);
    bool as_root = geteuid() == 0;
    rbx_store_close(fx.store); /* its last close removes the WAL files root made */
    fx.store = NULL;
    if (as_root) {
        ck_assert_int_eq(chown(fx.dir, 65534, 65534), 0);
        ck_assert_int_eq(chown(fx.path, 65534, 65534), 0);
    }
    char dest_dir[] = "/tmp/rbx-backup-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dest_dir));
    if (as_root) /* a place the state dir's owner cannot write */
        ck_assert_int_eq(chmod(dest_dir, 0700), 0);
    char dest[96];
    snprintf(dest, sizeof(dest), "%s/copy.db", dest_dir);
    ck_assert_msg(run_ctl("backup", dest, NULL) == 0, "stderr: %s", errout);
    ck_assert_ptr_nonnull(strstr(out, "Backed up the store to"));
    ck_assert_int_eq(raw_int(dest, "SELECT count(*) FROM history"), 2);
    ck_assert_int_eq(raw_int(dest, "SELECT count(*) FROM api_keys WHERE user = 'carol'"), 1);
    char wal[112];
    snprintf(wal, sizeof(wal), "%s-wal", dest);
    ck_assert_int_ne(access(wal, F_OK), 0);
    struct stat st;
    ck_assert_int_eq(stat(dest, &st), 0);
    ck_assert_int_eq(st.st_uid, geteuid());
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* Nothing of the backup is left in the state dir. */
    DIR *d = opendir(fx.dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        ck_assert_msg(strncmp(e->d_name, "backup-", 7) != 0, "left %s", e->d_name);
    closedir(d);
    ck_assert_int_eq(run_ctl("backup", NULL), 2);
    ck_assert_int_eq(unlink(dest), 0);
    ck_assert_int_eq(rmdir(dest_dir), 0);
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &fx.store, &err), 0);
}
END_TEST

static Suite *ctl_suite(void)
{
    Suite *s = suite_create("runboxctl");
    TCase *tc = tcase_create("runboxctl");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_help_and_version);
    tcase_add_test(tc, test_bad_usage_is_one_line_and_exit_2);
    tcase_add_test(tc, test_key_create_prints_a_working_key);
    tcase_add_test(tc, test_key_list_hides_keys);
    tcase_add_test(tc, test_key_list_json_pins_the_wire_format);
    tcase_add_test(tc, test_key_list_json_is_the_writers);
    tcase_add_test(tc, test_key_revoke);
    tcase_add_test(tc, test_prune_with_flags);
    tcase_add_test(tc, test_prune_uses_configured_retention);
    tcase_add_test(tc, test_missing_state_dir_or_config_fails);
    tcase_add_test(tc, test_root_acts_as_state_dir_owner);
    tcase_add_test(tc, test_backup_is_a_consistent_copy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(ctl_suite());
}
