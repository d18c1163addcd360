/* The compile cache: on its own (run dirs written here, a compile step
 * stood in for by the files it would write), and through the real engine
 * and sandbox (skipped, with the reason, where no box can run here). */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/compile_cache.h"
#include "engine/engine.h"
#include "engine/grading/grading.h"
#include "engine/language.h"
#include "sandbox/host_files.h"
#include "tests/unit/support/real_engine.h"
#include "tests/unit/support/check_main.h"

static char root[64];
static int n_dirs;

static void make_root(void)
{
    snprintf(root, sizeof(root), "/tmp/rbx-cache-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    n_dirs = 0;
}

static void remove_root(void)
{
    int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    rbx_error err;
    ck_assert_int_eq(rbx_host_remove_tree(fd, root + strlen("/tmp/"), &err), 0);
    close(fd);
}

static rbx_compile_cache *open_cache(uint64_t cap)
{
    char dir[128];
    rbx_compile_cache *c;
    rbx_error err;
    snprintf(dir, sizeof(dir), "%s/cache", root);
    if (rbx_compile_cache_open(dir, cap, &c, &err) != 0)
        ck_abort_msg("open: %s", err.message);
    return c;
}

/* A fresh run dir holding name=content pairs (a NULL name ends them). */
static int run_dir(const char *const *files)
{
    char path[128];
    rbx_error err;
    snprintf(path, sizeof(path), "%s/run%d", root, n_dirs++);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    for (size_t i = 0; files[i]; i += 2)
        ck_assert_int_eq(
            rbx_host_write_file(fd, files[i], files[i + 1], strlen(files[i + 1]), 0644, &err), 0);
    return fd;
}

static const char *const ARGV[] = {"gcc", "-o", "main", "main.c", NULL};
static const char *const ENVP[] = {"PATH=/usr/bin", NULL};
static const char *const SOURCES[] = {"main.c", "int main(void) { return 0; }\n", "util.h",
                                      "#define X 1\n", NULL};

static rbx_compile_key_input key_of(const char *version, const char *const *argv)
{
    rbx_compile_key_input in = {"c", version, argv, ENVP};
    return in;
}

/* What the stand-in compile step wrote. */
static const char BINARY[] = "\177ELF pretend binary";

static rbx_sandbox_result ok_result(void)
{
    rbx_sandbox_result r = {.status = RBX_SANDBOX_OK, .exit_code = 0};
    r.stderr_buf = strdup("warning: something\n");
    r.stderr_len = strlen(r.stderr_buf);
    r.stdout_buf = strdup("");
    return r;
}

/* Look up files; on a miss, "compile" (write main, 0755) and store r. 1 hit, 0 miss. */
static int compile(rbx_compile_cache *c, const char *const *files, rbx_compile_key_input in,
                   rbx_sandbox_result r)
{
    rbx_compile_step step;
    rbx_sandbox_result got;
    rbx_error err;
    int fd = run_dir(files);
    int hit = rbx_compile_cache_fetch(c, &in, fd, &step, &got);
    if (hit) {
        rbx_sandbox_result_free(&got);
    } else {
        if (r.status == RBX_SANDBOX_OK)
            ck_assert_int_eq(rbx_tree_put(fd, "main", BINARY, sizeof(BINARY), 0755, &err), 0);
        rbx_compile_cache_store(c, &step, fd, &r);
    }
    rbx_compile_step_free(&step);
    rbx_sandbox_result_free(&r);
    close(fd);
    return hit;
}

START_TEST(test_hit_writes_the_artifacts_read_only)
{
    rbx_compile_cache *c = open_cache(1 << 20);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    rbx_compile_step step;
    rbx_sandbox_result got;
    rbx_compile_key_input in = key_of("12.2", ARGV);
    int fd = run_dir(SOURCES);
    ck_assert_int_eq(rbx_compile_cache_fetch(c, &in, fd, &step, &got), 1);
    ck_assert_int_eq(got.status, RBX_SANDBOX_OK);
    ck_assert_str_eq(got.stderr_buf, "warning: something\n");
    ck_assert_uint_eq(got.wall_time_ms, 0);
    struct stat st;
    ck_assert_int_eq(fstatat(fd, "main", &st, 0), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0555);
    ck_assert_uint_eq((size_t)st.st_size, sizeof(BINARY));
    rbx_sandbox_result_free(&got);
    rbx_compile_step_free(&step);
    close(fd);
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    ck_assert_uint_eq(s.hits, 1);
    ck_assert_uint_eq(s.misses, 1);
    ck_assert_uint_eq(s.stored, 1);
    rbx_compile_cache_close(c);
}
END_TEST

/* Each input changed alone is a miss; the original is still a hit. */
START_TEST(test_any_input_changed_is_a_miss)
{
    static const char *const BYTE[] = {"main.c", "int main(void) { return 1; }\n", "util.h",
                                       "#define X 1\n", NULL};
    static const char *const NAME[] = {"main.c", "int main(void) { return 0; }\n", "util2.h",
                                       "#define X 1\n", NULL};
    static const char *const IMPORT[] = {"main.c", "int main(void) { return 0; }\n", "util.h",
                                         "#define X 2\n", NULL};
    static const char *const MORE[] = {
        "main.c", "int main(void) { return 0; }\n", "util.h", "#define X 1\n", "extra.h", "", NULL};
    static const char *const OTHER_ARGV[] = {"gcc", "-O2", "-o", "main", "main.c", NULL};
    rbx_compile_cache *c = open_cache(1 << 20);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, BYTE, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, NAME, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, IMPORT, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, MORE, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.3", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", OTHER_ARGV), ok_result()), 0);
    rbx_compile_key_input other_lang = {"cpp", "12.2", ARGV, ENVP};
    ck_assert_int_eq(compile(c, SOURCES, other_lang, ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 1);
    ck_assert_int_eq(compile(c, BYTE, key_of("12.2", ARGV), ok_result()), 1);
    rbx_compile_cache_close(c);
}
END_TEST

START_TEST(test_compile_error_is_cached)
{
    rbx_compile_cache *c = open_cache(1 << 20);
    rbx_sandbox_result failed = {.status = RBX_SANDBOX_RUNTIME_ERROR, .exit_code = 1};
    failed.stderr_buf = strdup("main.c:1: error: expected ';'\n");
    failed.stderr_len = strlen(failed.stderr_buf);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), failed), 0);
    rbx_compile_step step;
    rbx_sandbox_result got;
    rbx_compile_key_input in = key_of("12.2", ARGV);
    int fd = run_dir(SOURCES);
    ck_assert_int_eq(rbx_compile_cache_fetch(c, &in, fd, &step, &got), 1);
    ck_assert_int_eq(got.status, RBX_SANDBOX_RUNTIME_ERROR);
    ck_assert_int_eq(got.exit_code, 1);
    ck_assert_str_eq(got.stderr_buf, "main.c:1: error: expected ';'\n");
    ck_assert_int_eq(faccessat(fd, "main", F_OK, 0), -1);
    rbx_sandbox_result_free(&got);
    rbx_compile_step_free(&step);
    close(fd);
    rbx_compile_cache_close(c);
}
END_TEST

static const char *const *program(int n)
{
    static char code[64];
    static const char *files[] = {"main.c", code, NULL};
    snprintf(code, sizeof(code), "int main(void) { return %d; }\n", n);
    return files;
}

/* After a step that hit a limit, the same inputs are a miss again. */
START_TEST(test_a_limit_is_not_cached)
{
    rbx_compile_cache *c = open_cache(1 << 20);
    rbx_sandbox_result limits[] = {
        {.status = RBX_SANDBOX_TIME_LIMIT, .exit_code = -1, .wall_limit_hit = true},
        {.status = RBX_SANDBOX_TIME_LIMIT, .exit_code = -1, .cpu_limit_hit = true},
        {.status = RBX_SANDBOX_MEMORY_LIMIT, .exit_code = -1, .oom_killed = true},
        {.status = RBX_SANDBOX_OUTPUT_LIMIT, .exit_code = 1, .truncated = true},
        {.status = RBX_SANDBOX_RUNTIME_ERROR, .exit_code = -1, .signal = SIGKILL},
        {.status = RBX_SANDBOX_RUNTIME_ERROR, .exit_code = 127, .exec_failed = true},
        {.status = RBX_SANDBOX_INTERNAL_ERROR, .exit_code = -1},
    };
    int n = (int)(sizeof(limits) / sizeof(limits[0]));
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(compile(c, program(i), key_of("12.2", ARGV), limits[i]), 0);
        ck_assert_int_eq(compile(c, program(i), key_of("12.2", ARGV), ok_result()), 0);
        ck_assert_int_eq(compile(c, program(i), key_of("12.2", ARGV), ok_result()), 1);
    }
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    ck_assert_uint_eq(s.stored, (unsigned)n);
    rbx_compile_cache_close(c);
}
END_TEST

/* Entries of about 10 KB under a 25 KB cap: the least recently used goes. */
START_TEST(test_eviction_at_the_cap)
{
    rbx_compile_cache *c = open_cache(25 * 1024);
    char big[10 * 1024];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int i = 0; i < 2; i++) {
        rbx_sandbox_result r = ok_result();
        free(r.stdout_buf);
        r.stdout_buf = strdup(big);
        r.stdout_len = strlen(big);
        ck_assert_int_eq(compile(c, program(i), key_of("1", ARGV), r), 0);
    }
    ck_assert_int_eq(compile(c, program(0), key_of("1", ARGV), ok_result()), 1); /* 0 is used */
    rbx_sandbox_result r = ok_result();
    free(r.stdout_buf);
    r.stdout_buf = strdup(big);
    r.stdout_len = strlen(big);
    ck_assert_int_eq(compile(c, program(2), key_of("1", ARGV), r), 0);
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    ck_assert_uint_eq(s.evicted, 1);
    ck_assert_int_eq(compile(c, program(0), key_of("1", ARGV), ok_result()), 1);
    ck_assert_int_eq(compile(c, program(2), key_of("1", ARGV), ok_result()), 1);
    rbx_compile_cache_close(c);
    c = open_cache(25 * 1024);
    rbx_sandbox_result none = {.status = RBX_SANDBOX_TIME_LIMIT, .wall_limit_hit = true};
    ck_assert_int_eq(compile(c, program(1), key_of("1", ARGV), none), 0); /* evicted */
    rbx_compile_cache_close(c);
}
END_TEST

/* A restart (a new process opening the same dir) finds the entries and the counters. */
START_TEST(test_survives_a_restart)
{
    rbx_compile_cache *c = open_cache(1 << 20);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    rbx_compile_cache_close(c);
    c = open_cache(1 << 20);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 1);
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    ck_assert_uint_eq(s.misses, 1);
    ck_assert_uint_eq(s.hits, 1);
    rbx_compile_cache_close(c);
}
END_TEST

static int only_entry(char *name, size_t size)
{
    char dir[128];
    int n = 0;
    snprintf(dir, sizeof(dir), "%s/cache", root);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *de; (de = readdir(d));)
        if (strlen(de->d_name) == 64) {
            snprintf(name, size, "%s/%s", dir, de->d_name);
            n++;
        } else if (de->d_name[0] != '.') {
            ck_assert_str_eq(de->d_name, "stats"); /* no temporary file left */
        }
    closedir(d);
    return n;
}

/* A cache holding one entry, whose path and size come back, damaged by
 * damage(path, size); then the same step is a miss, and is stored again. */
static void damaged_entry_is_refilled(void (*damage)(const char *path, off_t size))
{
    rbx_compile_cache *c = open_cache(1 << 20);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    char entry[256];
    ck_assert_int_eq(only_entry(entry, sizeof(entry)), 1);
    struct stat st;
    ck_assert_int_eq(stat(entry, &st), 0);
    damage(entry, st.st_size);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 1);
    rbx_compile_cache_close(c);
}

static void cut_last_byte(const char *path, off_t size)
{
    ck_assert_int_eq(truncate(path, size - 1), 0);
}

/* The last file's last byte, just before the 16-byte checksum. */
static void flip_an_artifact_byte(const char *path, off_t size)
{
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, size - 17, SEEK_SET), 0);
    int byte = fgetc(f);
    ck_assert_int_ne(byte, EOF);
    ck_assert_int_eq(fseek(f, size - 17, SEEK_SET), 0);
    ck_assert_int_ne(fputc(byte ^ 0x01, f), EOF);
    ck_assert_int_eq(fclose(f), 0);
}

/* An entry cut short (a crash between write and rename cannot do it, a
 * crash before the data reached the disk can) is a miss, and is refilled. */
START_TEST(test_a_cut_entry_is_a_miss)
{
    damaged_entry_is_refilled(cut_last_byte);
}
END_TEST

/* An entry of the right length with one byte of an artifact changed (a
 * damaged block; the entry still parses): the checksum refuses it. */
START_TEST(test_a_damaged_entry_is_a_miss)
{
    damaged_entry_is_refilled(flip_an_artifact_byte);
}
END_TEST

/* Processes filling the same entry at once, while others read it: every
 * read is a miss or a whole hit, and one intact entry is left. */
START_TEST(test_workers_filling_one_entry_at_once)
{
    enum { WRITERS = 4, READERS = 2, ROUNDS = 30 };
    rbx_compile_cache *c = open_cache(1 << 20);
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    pid_t pids[WRITERS + READERS];
    for (int i = 0; i < WRITERS + READERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] > 0)
            continue;
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 0)
            _exit(2);
        n_dirs = 1000 * (i + 1);
        for (int r = 0; r < ROUNDS; r++) {
            rbx_compile_step step;
            rbx_sandbox_result got;
            rbx_compile_key_input in = key_of("12.2", ARGV);
            int fd = run_dir(SOURCES);
            int hit = rbx_compile_cache_fetch(c, &in, fd, &step, &got);
            if (hit) {
                char *bin;
                size_t len;
                rbx_error err;
                if (strcmp(got.stderr_buf, "warning: something\n") != 0 ||
                    rbx_host_read_file(fd, "main", 1024, &bin, &len, &err) != 0 ||
                    len != sizeof(BINARY) || memcmp(bin, BINARY, len) != 0)
                    _exit(1);
                free(bin);
                rbx_sandbox_result_free(&got);
            } else if (i < WRITERS) {
                rbx_error err;
                rbx_sandbox_result r2 = ok_result();
                if (rbx_tree_put(fd, "main", BINARY, sizeof(BINARY), 0755, &err) != 0)
                    _exit(3);
                rbx_compile_cache_store(c, &step, fd, &r2);
                rbx_sandbox_result_free(&r2);
                /* keep filling: remove the entry so the next round writes again */
                char hex[65], entry[256];
                rbx_compile_key_hex(step.key, hex);
                snprintf(entry, sizeof(entry), "%s/cache/%s", root, hex);
                unlink(entry);
            }
            rbx_compile_step_free(&step);
            close(fd);
        }
        _exit(0);
    }
    close(go[0]);
    close(go[1]); /* everyone starts at once */
    for (int i = 0; i < WRITERS + READERS; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d: status %d", i,
                      status);
    }
    char entry[256];
    ck_assert_int_le(only_entry(entry, sizeof(entry)), 1);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 1);
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    ck_assert_uint_eq(s.errors, 0);
    rbx_compile_cache_close(c);
}
END_TEST

START_TEST(test_cap_zero_is_off)
{
    rbx_compile_cache *c = open_cache(0);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
    ck_assert_int_eq(compile(c, SOURCES, key_of("12.2", ARGV), ok_result()), 0);
}
END_TEST

/* ---- through the engine and the sandbox ---- */

static json_object *execute(json_object *body)
{
    return rbx_test_execute(body);
}

static json_object *run_code(const char *lang, const char *code)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "language", json_object_new_string(lang));
    json_object_object_add(body, "code", json_object_new_string(code));
    return execute(body);
}

static const char *field(json_object *o, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
                  json_object_to_json_string(o));
    return v ? json_object_get_string(v) : "null";
}

static const char *compile_field(json_object *resp, const char *key)
{
    json_object *c;
    ck_assert_msg(json_object_object_get_ex(resp, "compile", &c) && c, "no compile in %s",
                  json_object_to_json_string(resp));
    return field(c, key);
}

static void expect(json_object *resp, const char *status, const char *cached)
{
    ck_assert_msg(strcmp(field(resp, "status"), status) == 0 &&
                      strcmp(compile_field(resp, "cached"), cached) == 0,
                  "want %s, cached %s: %s", status, cached,
                  json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PRETTY));
}

static const char HELLO[] = "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";

START_TEST(test_engine_hit)
{
    json_object *first = run_code("c", HELLO), *again = run_code("c", HELLO);
    expect(first, "success", "false");
    expect(again, "success", "true");
    ck_assert_str_eq(compile_field(again, "time_ms"), "0");
    ck_assert_str_eq(field(again, "output"), "hi\n");
    json_object *health = rbx_engine_cache_json(rbx_test_eng);
    ck_assert_str_eq(field(health, "hits"), "1");
    ck_assert_str_eq(field(health, "misses"), "1");
    json_object_put(health);
    json_object_put(first);
    json_object_put(again);
}
END_TEST

START_TEST(test_engine_compile_error)
{
    static const char BROKEN[] = "int main(void) { return missing; }\n";
    json_object *first = run_code("c", BROKEN), *again = run_code("c", BROKEN);
    expect(first, "compile_error", "false");
    expect(again, "compile_error", "true");
    ck_assert_str_eq(field(again, "error"), field(first, "error"));
    json_object_put(first);
    json_object_put(again);
}
END_TEST

/* The compiler's output over its cap is a limit: compiled again each time. */
START_TEST(test_engine_limit_not_cached)
{
    size_t n = 0;
    char code[40 * 1024];
    for (int i = 0; n + 64 < sizeof(code); i++)
        n +=
            (size_t)snprintf(code + n, sizeof(code) - n, "#error %d xxxxxxxxxxxxxxxxxxxxxxxx\n", i);
    json_object *first = run_code("c", code), *again = run_code("c", code);
    expect(first, "compile_error", "false");
    expect(again, "compile_error", "false");
    json_object_put(first);
    json_object_put(again);
}
END_TEST

/* The program replaces its own binary (and tries to write through it):
 * what the cache hands out next time is still the compiled program. */
START_TEST(test_engine_program_overwrites_its_binary)
{
    static const char SELF[] =
        "#include <stdio.h>\n#include <unistd.h>\n#include <sys/stat.h>\n"
        "int main(void) {\n"
        "  chmod(\"main\", 0777);\n"
        "  FILE *f = fopen(\"main\", \"r+\"); if (f) { fputs(\"XXXX\", f); fclose(f); }\n"
        "  unlink(\"main\");\n"
        "  f = fopen(\"main\", \"w\"); if (f) { fputs(\"#!/bin/sh\\necho owned\\n\", f); "
        "fclose(f); }\n"
        "  chmod(\"main\", 0755);\n"
        "  puts(\"original\"); return 0; }\n";
    for (int i = 0; i < 3; i++) {
        json_object *resp = run_code("c", SELF);
        expect(resp, "success", i == 0 ? "false" : "true");
        ck_assert_str_eq(field(resp, "output"), "original\n");
        json_object_put(resp);
    }
}
END_TEST

/* A function test compiles a harness: its compile step is cached too. */
START_TEST(test_engine_grading_hit)
{
    static const char BODY[] =
        "{\"language\": \"c\", \"code\": \"int add(int a, int b) { return a + b; }\","
        " \"function_name\": \"add\", \"test_cases\": [{\"input\": [1, 2], \"expected_output\": "
        "3}]}";
    json_object *first = execute(json_tokener_parse(BODY)),
                *again = execute(json_tokener_parse(BODY));
    expect(first, "success", "false");
    expect(again, "success", "true");
    ck_assert_str_eq(field(again, "all_passed"), "true");
    json_object_put(first);
    json_object_put(again);
}
END_TEST

/* The one directory of a language's prebuilt set (<language>-<hash>). */
static void prebuilt_set(const char *lang, char *out, size_t outsz)
{
    char pattern[256];
    glob_t g;
    snprintf(pattern, sizeof(pattern), "%s/prebuilt/%s-*", rbx_test_engine_state_dir(), lang);
    ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
    ck_assert_uint_eq(g.gl_pathc, 1);
    snprintf(out, outsz, "%s", g.gl_pathv[0]);
    globfree(&g);
}

static void replace_file(const char *dir, const char *name, const char *text)
{
    char path[768];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* A C++ function test of add (whose body is given) that passes, with a
 * fresh comment each time so that the compile cache cannot answer it: the
 * harness is compiled in a box. */
static void expect_cpp_add_passes(const char *body_code, const char *what)
{
    static int n;
    char body[768];
    snprintf(body, sizeof(body),
             "{\"language\": \"cpp\", \"code\": \"// %d\\nint add(int a, int b) { %s }\\n\", "
             "\"function_name\": \"add\", \"test_cases\": [{\"input\": [1, 2], "
             "\"expected_output\": 3}]}",
             n++, body_code);
    json_object *resp = execute(json_tokener_parse(body));
    ck_assert_msg(strcmp(field(resp, "status"), "success") == 0, "%s: %s", what,
                  json_object_to_json_string(resp));
    json_object_put(resp);
}

/* Run a command on the host (the test's own g++); assert it succeeded. */
static void host_command(char *const argv[])
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed", argv[0]);
}

/* Build the set's PCH on the host from text, the way the recipe does: the
 * definition's compile command over the header, then -c -o <header>.gch. */
static void build_pch(const char *set, const char *text)
{
    char dir[1024], header[768], gch[800];
    rbx_language_set langs;
    rbx_error err;
    const char *src = getenv("RUNBOX_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/languages", src ? src : ".");
    ck_assert_msg(rbx_languages_load_dir(dir, &langs, &err) == 0, "%s", err.message);
    snprintf(header, sizeof(header), "%s/" RBX_GRADING_CPP_HEADER, set);
    snprintf(gch, sizeof(gch), "%s.gch", header);
    replace_file(set, RBX_GRADING_CPP_HEADER, text);
    const char *sources[] = {header, NULL}, *args[] = {"-c", "-o", gch, NULL};
    rbx_argv_vars vars = {.file = header, .dir = set, .sources = sources};
    char **argv = rbx_argv_expand(
        (const char *const *)rbx_languages_find(&langs, "cpp")->compile_argv, &vars, args, &err);
    ck_assert_ptr_nonnull(argv);
    host_command(argv);
    rbx_argv_free(argv);
    rbx_languages_free(&langs);
}

/* The C++ harness's precompiled header is used inside the box: a PCH built
 * from the header plus a macro the header's text lacks makes that macro
 * defined in the harness, which only reading the PCH can do. A broken PCH
 * (not one at all) or a stale one (built under other flags) is not used,
 * and the harness compiles from the header's text instead of failing. */
static void check_cpp_pch(void)
{
    char set[512], probe[16384];
    prebuilt_set("cpp", set, sizeof(set));
    snprintf(probe, sizeof(probe), "%s#define RBX_PCH_PROBE 1\n", rbx_grading_cpp_header);
    build_pch(set, probe);
    replace_file(set, RBX_GRADING_CPP_HEADER, rbx_grading_cpp_header);
    expect_cpp_add_passes("return a + b + RBX_PCH_PROBE - 1;", "the PCH in use");
    replace_file(set, RBX_GRADING_CPP_HEADER ".gch", "not a precompiled header\n");
    expect_cpp_add_passes("return a + b;", "a broken PCH");
    char header[768], gch[800];
    snprintf(header, sizeof(header), "%s/" RBX_GRADING_CPP_HEADER, set);
    snprintf(gch, sizeof(gch), "%s.gch", header);
    char *const stale[] = {"g++", "-O0", "-std=gnu++17", "-o", gch, header, NULL};
    host_command(stale);
    expect_cpp_add_passes("return a + b;", "a stale PCH");
}

/* The prebuilt parts: built once, then used by Java's compile and run with
 * the same answer as without them, and by the C++ harness's compile. */
START_TEST(test_engine_prebuilt)
{
    static const char JAVA[] = "public class Main { public static void main(String[] a) {"
                               " System.out.println(\"hi\"); } }\n";
    rbx_error err;
    json_object *before = rbx_engine_cache_json(rbx_test_eng), *prebuilt;
    ck_assert(json_object_object_get_ex(before, "prebuilt", &prebuilt));
    ck_assert_str_eq(field(prebuilt, "java"), "false");
    json_object_put(before);
    ck_assert_msg(rbx_engine_prebuild(rbx_test_eng, &err) == 0, "%s", err.message);
    json_object *after = rbx_engine_cache_json(rbx_test_eng);
    ck_assert(json_object_object_get_ex(after, "prebuilt", &prebuilt));
    ck_assert_str_eq(field(prebuilt, "java"), "true");
    ck_assert_str_eq(field(prebuilt, "cpp"), "true");
    json_object_put(after);
    ck_assert_msg(rbx_engine_prebuild(rbx_test_eng, &err) == 0, "%s",
                  err.message); /* nothing to do */
    json_object *resp = run_code("java", JAVA);
    expect(resp, "success", "false");
    ck_assert_str_eq(field(resp, "output"), "hi\n");
    json_object_put(resp);
    /* the runners' classes come from the set: only the code is compiled */
    resp = execute(json_tokener_parse(
        "{\"language\": \"java\", \"code\": \"public class Solution { public int add(int a, "
        "int b) { return a + b; } }\", \"function_name\": \"add\", \"test_cases\": "
        "[{\"input\": [1, 2], \"expected_output\": 3}, {\"input\": [2, 2], "
        "\"expected_output\": 5}]}"));
    ck_assert_msg(strcmp(field(resp, "status"), "wrong_answer") == 0, "%s",
                  json_object_to_json_string(resp));
    json_object_put(resp);
    resp = execute(json_tokener_parse(
        "{\"language\": \"java\", \"code\": \"public class Solution { public static int "
        "add(int a, int b) { return a + b; } }\", \"tests\": \"class SolutionTest { void "
        "testAdds() { assert Solution.add(1, 2) == 3; } }\"}"));
    ck_assert_msg(strcmp(field(resp, "status"), "success") == 0, "%s",
                  json_object_to_json_string(resp));
    json_object_put(resp);
    char set[512], runner[600];
    prebuilt_set("java", set, sizeof(set));
    snprintf(runner, sizeof(runner), "%s/RbxHarness.class", set);
    ck_assert_int_eq(access(runner, R_OK), 0);
    check_cpp_pch();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("compile_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, make_root, remove_root);
    tcase_add_test(tc, test_hit_writes_the_artifacts_read_only);
    tcase_add_test(tc, test_any_input_changed_is_a_miss);
    tcase_add_test(tc, test_compile_error_is_cached);
    tcase_add_test(tc, test_a_limit_is_not_cached);
    tcase_add_test(tc, test_eviction_at_the_cap);
    tcase_add_test(tc, test_survives_a_restart);
    tcase_add_test(tc, test_a_cut_entry_is_a_miss);
    tcase_add_test(tc, test_a_damaged_entry_is_a_miss);
    tcase_add_test(tc, test_workers_filling_one_entry_at_once);
    tcase_add_test(tc, test_cap_zero_is_off);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("engine");
    /* generous: test_engine_prebuilt builds Java's archives and compiles C++
     * harnesses, slow on a shared machine; no figure of time is asserted */
    tcase_set_timeout(te, 600);
    if (rbx_test_engine_tcase(te, "test_compile_cache (engine)")) {
        tcase_add_test(te, test_engine_hit);
        tcase_add_test(te, test_engine_compile_error);
        tcase_add_test(te, test_engine_limit_not_cached);
        tcase_add_test(te, test_engine_program_overwrites_its_binary);
        tcase_add_test(te, test_engine_grading_hit);
        tcase_add_test(te, test_engine_prebuilt);
    }
    suite_add_tcase(s, te);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
