/* C and C++ test code: each top-level `void test_*(void)` function of the
 * tests is one test, run in a forked child of a generated main so that a
 * failed assert() (SIGABRT), a crash or an exit ends that test only. The
 * child's stderr goes to a temporary file: its text is the failure message
 * (glibc's "tests.c:4: test_x: Assertion `...' failed."), and it is passed on
 * to the run's stderr. The runner writes one JSON line per test to the result
 * file as each test ends, so the tests finished before a time limit keep
 * their results. Tests without test_* functions keep the older form: their
 * own main is the one test. */
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

/* The runner, appended after the tests (so static test functions are in
 * scope). %s: the result file's name. */
static const char runner_head[] =
    "\n#include <errno.h>\n"
    "#include <signal.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
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
    /* The child's stderr, without glibc's "program: " before the assertion. */
    "static void rbx_failure(FILE *err, int status, char *msg, size_t size) {\n"
    "    size_t n = 0;\n"
    "    if (err) { rewind(err); n = fread(msg, 1, size - 1, err); }\n"
    "    msg[n] = '\\0';\n"
    "    if (n) { fputs(msg, stderr); fflush(stderr); }\n"
    "    char *at = strstr(msg, \"tests.c\");\n"
    "    if (at) memmove(msg, at, strlen(at) + 1);\n"
    "    for (size_t len = strlen(msg); len && msg[len - 1] == '\\n';) msg[--len] = '\\0';\n"
    "    if (msg[0]) return;\n"
    "    if (WIFSIGNALED(status)) snprintf(msg, size, \"killed by signal %%d (%%s)\",\n"
    "                                      WTERMSIG(status), strsignal(WTERMSIG(status)));\n"
    "    else snprintf(msg, size, \"exited with status %%d\", WEXITSTATUS(status));\n"
    "}\n"
    "static void rbx_run_test(const char *name, void (*test)(void)) {\n"
    "    static char msg[4096];\n"
    "    fflush(stdout); fflush(stderr);\n"
    "    FILE *err = tmpfile();\n"
    "    pid_t pid = fork();\n"
    "    if (pid == 0) {\n"
    "        if (err) dup2(fileno(err), 2);\n"
    "        test();\n"
    "        fflush(stdout);\n"
    "        _exit(0);\n"
    "    }\n"
    "    int status = 0;\n"
    "    if (pid < 0) snprintf(msg, sizeof msg, \"could not start the test (fork failed)\");\n"
    "    else while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}\n"
    "    int passed = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;\n"
    "    if (pid > 0 && !passed) rbx_failure(err, status, msg, sizeof msg);\n"
    "    if (err) fclose(err);\n"
    "    FILE *out = fopen(\"%s\", \"a\");\n"
    "    if (!out) return;\n"
    "    fputs(\"{\\\"name\\\": \", out);\n"
    "    rbx_json_text(out, name);\n"
    "    fprintf(out, \", \\\"passed\\\": %%s\", passed ? \"true\" : \"false\");\n"
    "    if (!passed) { fputs(\", \\\"message\\\": \", out); rbx_json_text(out, msg); }\n"
    "    fputs(\"}\\n\", out);\n"
    "    fclose(out);\n"
    "}\n"
    "int main(void) {\n";

static void write_runner(FILE *f, char names[][CTEST_NAME_MAX], size_t n)
{
    fputs("#line 1 \"rbx_runner.c\"\n", f);
    fprintf(f, runner_head, RBX_GRADING_RESULT_FILE);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "    rbx_run_test(\"%s\", %s);\n", names[i], names[i]);
    fputs("    return 0;\n}\n", f);
}

size_t rbx_ctests_write(FILE *f, const char *tests, const char *file_name)
{
    char names[CTEST_MAX][CTEST_NAME_MAX];
    size_t n = find_tests(tests, names, CTEST_MAX);
    if (n > 0)
        fputs("#define main rbx_tests_main\n", f);
    fprintf(f, "#line 1 \"%s\"\n", file_name);
    fputs(tests, f);
    fputs("\n", f);
    if (n > 0) {
        fputs("#undef main\n", f);
        write_runner(f, names, n);
    }
    return n;
}
