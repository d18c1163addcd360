/* C and C++ test code: each top-level `void test_*(void)` function of the
 * tests is one test, run in a forked child of a generated main so that a
 * failed assert() (SIGABRT), a crash or an exit ends that test only (and an
 * exit, even with status 0, before the test returned is not a pass). The
 * child's stderr goes to a temporary file: its text is the failure message
 * (glibc's "tests.c:4: test_x: Assertion `...' failed."), and it is passed on
 * to the run's stderr. The runner writes one JSON line per test to the result
 * file as each test ends, so the tests finished before a time limit keep
 * their results; each line is signed with the run's secret (harness.h). Tests
 * without test_* functions have their own main as the one test, run the same
 * way. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <ctype.h>
#include <string.h>

#define CTEST_NAME_MAX 128
#define CTEST_MAX 100

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Past a comment, string or character literal starting at p; p itself when none. */
static const char *skip_non_code(const char *p)
{
    if (p[0] == '/' && p[1] == '/') {
        const char *nl = strchr(p, '\n');
        return nl ? nl : p + strlen(p);
    }
    if (p[0] == '/' && p[1] == '*') {
        const char *end = strstr(p + 2, "*/");
        return end ? end + 2 : p + strlen(p);
    }
    if (*p == '"' || *p == '\'') {
        char quote = *p++;
        while (*p && *p != quote && *p != '\n')
            p += (p[0] == '\\' && p[1]) ? 2 : 1;
        return *p == quote ? p + 1 : p;
    }
    return p;
}

/* At p: "void test_x ( [void] ) {" ? Then the name's length, else 0. */
static size_t test_definition_at(const char *p)
{
    if (strncmp(p, "void", 4) != 0 || !isspace((unsigned char)p[4]))
        return 0;
    const char *name = skip_space(p + 4);
    if (strncmp(name, "test_", 5) != 0)
        return 0;
    size_t n = 5;
    while (ident_char(name[n]))
        n++;
    const char *q = skip_space(name + n);
    if (*q++ != '(')
        return 0;
    q = skip_space(q);
    if (strncmp(q, "void", 4) == 0 && !ident_char(q[4]))
        q = skip_space(q + 4);
    if (*q++ != ')')
        return 0;
    return *skip_space(q) == '{' ? n : 0;
}

static size_t find_tests(const char *tests, char names[][CTEST_NAME_MAX], size_t max)
{
    size_t found = 0;
    int depth = 0;
    for (const char *p = tests; *p && found < max;) {
        const char *past = skip_non_code(p);
        if (past != p) {
            p = past;
            continue;
        }
        if (*p == '{' || *p == '}') {
            depth += *p == '{' ? 1 : -1;
            p++;
            continue;
        }
        bool word_start = p == tests || !ident_char(p[-1]);
        size_t n = depth == 0 && word_start ? test_definition_at(p) : 0;
        if (n > 0 && n < CTEST_NAME_MAX) {
            const char *name = skip_space(p + 4);
            memcpy(names[found], name, n);
            names[found++][n] = '\0';
        }
        p++;
    }
    return found;
}

/* Written before the code: the secret the results are signed with
 * (harness.h) is read from stdin by a .preinit_array function,
 * which runs before any constructor the submission can declare, and stdin is
 * then /dev/null. The submission still shares the process: see the README's
 * trust model for what it could do by reading memory. */
static const char key_prelude[] =
    "#include <fcntl.h>\n"
    "#include <sodium.h>\n"
    "#include <unistd.h>\n"
    "static char rbx_key[65];\n"
    "static void rbx_take_key(int argc, char **argv, char **envp) {\n"
    "    (void)argc; (void)argv; (void)envp;\n"
    "    size_t n = 0;\n"
    "    while (n < sizeof rbx_key - 1) {\n"
    "        ssize_t got = read(0, rbx_key + n, sizeof rbx_key - 1 - n);\n"
    "        if (got <= 0) break;\n"
    "        n += (size_t)got;\n"
    "    }\n"
    "    rbx_key[n] = '\\0';\n"
    "    int null = open(\"/dev/null\", O_RDONLY);\n"
    "    if (null > 0) { dup2(null, 0); close(null); } else if (null < 0) close(0);\n"
    "}\n"
    "__attribute__((section(\".preinit_array\"), used))\n"
    "static void (*const rbx_take_key_first)(int, char **, char **) = rbx_take_key;\n";

/* The runner, appended after the tests (so static test functions are in
 * scope). %s: the result file's name. Each test runs in a child that must
 * hand back a fresh token on a pipe once the test function has returned: a
 * test that ends the process itself (exit(0) from the code) has not passed.
 * The child forgets the key first; only the parent signs. */
static const char runner_head[] =
    "\n#include <errno.h>\n"
    "#include <signal.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/wait.h>\n"
    "static void rbx_json_text(FILE *f, const char *s) {\n"
    "    fputc('\"', f);\n"
    "    for (; *s; s++) {\n"
    "        unsigned char c = (unsigned char)*s;\n"
    "        if (c == '\"' || c == '\\\\') fprintf(f, \"\\\\%%c\", c);\n"
    "        else if (c < 0x20) fprintf(f, \"\\\\u%%04x\", c);\n"
    "        else fputc(c, f);\n"
    "    }\n"
    "    fputc('\"', f);\n"
    "}\n"
    /* One signed line: "<HMAC-SHA256 hex> <json>\n", numbered by seq. */
    "static unsigned rbx_seq;\n"
    "static void rbx_sign(const char *json) {\n"
    "    unsigned char mac[crypto_auth_hmacsha256_BYTES];\n"
    "    char hex[2 * sizeof mac + 1];\n"
    "    crypto_auth_hmacsha256_state st;\n"
    "    crypto_auth_hmacsha256_init(&st, (const unsigned char *)rbx_key, strlen(rbx_key));\n"
    "    crypto_auth_hmacsha256_update(&st, (const unsigned char *)json, strlen(json));\n"
    "    crypto_auth_hmacsha256_final(&st, mac);\n"
    "    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);\n"
    "    FILE *out = fopen(\"%s\", \"a\");\n"
    "    if (!out) return;\n"
    "    fprintf(out, \"%%s %%s\\n\", hex, json);\n"
    "    fclose(out);\n"
    "    rbx_seq++;\n"
    "}\n"
    /* The child's stderr, without glibc's "program: " before the assertion. */
    "static void rbx_failure(FILE *err, int status, int returned, char *msg, size_t size) {\n"
    "    size_t n = 0;\n"
    "    if (err) { rewind(err); n = fread(msg, 1, size - 1, err); }\n"
    "    msg[n] = '\\0';\n"
    "    if (n) { fputs(msg, stderr); fflush(stderr); }\n"
    "    char *at = strstr(msg, \"tests.c\");\n"
    "    if (at) memmove(msg, at, strlen(at) + 1);\n"
    "    char *fn = strstr(msg, \"rbx_tests_main\");\n"
    "    if (fn) memmove(fn, fn + 10, strlen(fn + 10) + 1); /* its name: main */\n"
    "    for (size_t len = strlen(msg); len && msg[len - 1] == '\\n';) msg[--len] = '\\0';\n"
    "    if (msg[0]) return;\n"
    "    if (WIFSIGNALED(status)) snprintf(msg, size, \"killed by signal %%d (%%s)\",\n"
    "                                      WTERMSIG(status), strsignal(WTERMSIG(status)));\n"
    "    else if (WEXITSTATUS(status) == 0 && !returned)\n"
    "        snprintf(msg, size, \"the process exited (status 0) before the test returned\");\n"
    "    else snprintf(msg, size, \"exited with status %%d\", WEXITSTATUS(status));\n"
    "}\n"
    /* Whether the child handed back the token: the test function returned. */
    "static int rbx_returned(int fd, const unsigned char *token, size_t len) {\n"
    "    unsigned char got[16];\n"
    "    ssize_t n = read(fd, got, sizeof got);\n"
    "    return n == (ssize_t)len && sodium_memcmp(got, token, len) == 0;\n"
    "}\n"
    "static void rbx_run_test(const char *name, void (*test)(void)) {\n"
    "    static char msg[4096];\n"
    "    unsigned char token[16];\n"
    "    int pipefd[2];\n"
    "    randombytes_buf(token, sizeof token);\n"
    "    fflush(stdout); fflush(stderr);\n"
    "    FILE *err = tmpfile();\n"
    "    pid_t pid = pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0 ? fork() : -1;\n"
    "    if (pid == 0) {\n"
    "        sodium_memzero(rbx_key, sizeof rbx_key);\n"
    "        close(pipefd[0]);\n"
    "        if (err) dup2(fileno(err), 2);\n"
    "        test();\n"
    "        fflush(stdout);\n"
    "        if (write(pipefd[1], token, sizeof token) != (ssize_t)sizeof token) _exit(1);\n"
    "        _exit(0);\n"
    "    }\n"
    "    int status = 0, returned = 0;\n"
    "    if (pid < 0) snprintf(msg, sizeof msg, \"could not start the test (fork failed)\");\n"
    "    else {\n"
    "        close(pipefd[1]);\n"
    "        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}\n"
    "        returned = rbx_returned(pipefd[0], token, sizeof token);\n"
    "        close(pipefd[0]);\n"
    "    }\n"
    "    int passed = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && returned;\n"
    "    if (pid > 0 && !passed) rbx_failure(err, status, returned, msg, sizeof msg);\n"
    "    if (err) fclose(err);\n"
    "    char *json = NULL;\n"
    "    size_t json_len = 0;\n"
    "    FILE *line = open_memstream(&json, &json_len);\n"
    "    if (!line) return;\n"
    "    fputs(\"{\\\"name\\\": \", line);\n"
    "    rbx_json_text(line, name);\n"
    "    fprintf(line, \", \\\"seq\\\": %%u, \\\"passed\\\": %%s\", rbx_seq, passed ? \"true\" : "
    "\"false\");\n"
    "    if (!passed) { fputs(\", \\\"message\\\": \", line); rbx_json_text(line, msg); }\n"
    "    fputs(\"}\", line);\n"
    "    fclose(line);\n"
    "    rbx_sign(json);\n"
    "    free(json);\n"
    "}\n";

/* The tests' own main as the one test (no test_* functions): what it returns counts. */
static const char main_test[] =
    "static void rbx_main_test(void) {\n"
    "    static char *argv[] = {(char *)\"tests\", NULL};\n"
    "    int rc = ((int (*)(int, char **, char **))rbx_tests_main)(1, argv, argv + 1);\n"
    "    if (rc != 0) { fflush(stdout); fprintf(stderr, \"main returned %d\\n\", rc); _exit(rc & "
    "255 ? rc & 255 : 1); }\n"
    "}\n";

static void write_runner(FILE *f, char names[][CTEST_NAME_MAX], size_t n)
{
    fputs("#line 1 \"rbx_runner.c\"\n", f);
    fprintf(f, runner_head, RBX_GRADING_RESULT_FILE);
    if (n == 0)
        fputs(main_test, f);
    fputs("int main(void) {\n", f);
    fputs("    if (!rbx_key[0]) return 1; /* no key: nothing can be reported */\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "    rbx_run_test(\"%s\", %s);\n", names[i], names[i]);
    if (n == 0)
        fputs("    rbx_run_test(\"main\", rbx_main_test);\n", f);
    fputs("    char done[64];\n"
          "    snprintf(done, sizeof done, \"{\\\"done\\\": true, \\\"seq\\\": %u}\", rbx_seq);\n"
          "    rbx_sign(done);\n"
          "    return 0;\n}\n",
          f);
}

void rbx_ctests_key_prelude(FILE *f)
{
    fputs(key_prelude, f);
}

size_t rbx_ctests_write(FILE *f, const char *tests, const char *file_name)
{
    char names[CTEST_MAX][CTEST_NAME_MAX];
    size_t n = find_tests(tests, names, CTEST_MAX);
    fputs("#define main rbx_tests_main\n", f);
    fprintf(f, "#line 1 \"%s\"\n", file_name);
    fputs(tests, f);
    fputs("\n#undef main\n", f);
    write_runner(f, names, n);
    return n;
}
