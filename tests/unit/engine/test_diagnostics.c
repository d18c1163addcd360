/* Each diagnostics parser on real compiler output captured from the
 * toolchains (samples/), plus the errors that go with each. */
#include <check.h>
#include <string.h>

#include "engine/diagnostics.h"
#include "helpers.h"
#include "tests/unit/support/check_main.h"

static char *read_sample(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/unit/engine/samples/%s", srcdir(), name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

typedef struct expect {
    const char *file;
    long line, column;
    const char *severity, *message_part;
} expect;

static void check_sample(const char *format, const char *sample, const expect *want, size_t n)
{
    char *text = read_sample(sample);
    json_object *arr = rbx_diagnostics_parse(format, text);
    ck_assert_msg(json_object_array_length(arr) == n, "%s: %zu diagnostics, want %zu: %s", sample,
                  json_object_array_length(arr), n, json_object_to_json_string(arr));
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(arr, i), *v;
        ck_assert(json_object_object_get_ex(d, "file", &v));
        ck_assert_str_eq(json_object_get_string(v), want[i].file);
        ck_assert(json_object_object_get_ex(d, "line", &v));
        ck_assert_int_eq(json_object_get_int64(v), want[i].line);
        ck_assert(json_object_object_get_ex(d, "column", &v));
        ck_assert_msg(json_object_get_int64(v) == want[i].column, "%s #%zu column %ld, want %ld",
                      sample, i, (long)json_object_get_int64(v), want[i].column);
        ck_assert(json_object_object_get_ex(d, "severity", &v));
        ck_assert_str_eq(json_object_get_string(v), want[i].severity);
        ck_assert(json_object_object_get_ex(d, "message", &v));
        ck_assert_msg(strstr(json_object_get_string(v), want[i].message_part), "%s #%zu: %s",
                      sample, i, json_object_get_string(v));
    }
    json_object_put(arr);
    free(text);
}

START_TEST(test_gcc)
{
    expect w[] = {{"main.c", 5, 5, "error", "before \xE2\x80\x98printf\xE2\x80\x99"}};
    check_sample("gcc", "gcc.txt", w, 1);
}
END_TEST

START_TEST(test_gxx)
{
    expect w[] = {{"main.cpp", 4, 18, "error", "was not declared in this scope"},
                  {"main.cpp", 5, 13, "error", "invalid conversion"}};
    check_sample("gcc", "gxx.txt", w, 2);
}
END_TEST

START_TEST(test_python)
{
    expect w[] = {{"main.py", 2, 6, "error", "SyntaxError: '(' was never closed"}};
    check_sample("python", "python.txt", w, 1);
    expect w2[] = {{"ind.py", 3, 0, "error", "IndentationError: unexpected indent"}};
    check_sample("python", "python-sorry.txt", w2, 1);
}
END_TEST

START_TEST(test_node)
{
    expect w[] = {{"main.js", 2, 13, "error", "SyntaxError: missing ) after argument list"}};
    check_sample("node", "node.txt", w, 1);
}
END_TEST

START_TEST(test_tsc)
{
    expect w[] = {{"main.ts", 1, 5, "error", "TS2322: Type 'string' is not assignable"},
                  {"main.ts", 2, 34, "error", "TS2339: Property 'foo'"}};
    check_sample("tsc", "tsc.txt", w, 2);
}
END_TEST

START_TEST(test_javac)
{
    expect w[] = {{"Main.java", 3, 32, "error", "';' expected"}};
    check_sample("javac", "javac.txt", w, 1);
    expect w2[] = {{"Main.java", 3, 17, "error", "incompatible types"},
                   {"Main.java", 4, 9, "error", "cannot find symbol"}};
    check_sample("javac", "javac2.txt", w2, 2);
}
END_TEST

START_TEST(test_go)
{
    expect w[] = {{"main.go", 6, 2, "error", "x declared but not used"},
                  {"main.go", 7, 14, "error", "undefined: y"}};
    check_sample("go", "go.txt", w, 2);
    expect w2[] = {{"main.go", 4, 17, "error", "syntax error: unexpected newline"}};
    check_sample("go", "go2.txt", w2, 1);
}
END_TEST

START_TEST(test_unparsable_output_gives_empty_list)
{
    json_object *arr = rbx_diagnostics_parse("gcc", "collect2: error: ld returned 1 exit status\n");
    ck_assert_uint_eq(json_object_array_length(arr), 0);
    json_object_put(arr);
    arr = rbx_diagnostics_parse("go", "");
    ck_assert_uint_eq(json_object_array_length(arr), 0);
    json_object_put(arr);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("diagnostics");
    TCase *tc = tcase_create("parsers");
    tcase_add_test(tc, test_gcc);
    tcase_add_test(tc, test_gxx);
    tcase_add_test(tc, test_python);
    tcase_add_test(tc, test_node);
    tcase_add_test(tc, test_tsc);
    tcase_add_test(tc, test_javac);
    tcase_add_test(tc, test_go);
    tcase_add_test(tc, test_unparsable_output_gives_empty_list);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
