/* The grading driver and every language's harness, end to end through a fake
 * runner that runs the real compilers and interpreters on the host. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/grading/grading.h"
#include "engine/grading/harness.h"
#include "engine/language.h"
#include "engine/native.h"
#include "tests/unit/grading/fake_runner.h"
#include "tests/unit/support/check_main.h"

/* The shipped definitions (languages/): the harnesses' commands come from them. */
static rbx_language_set languages;

static char workdir[64];
static int workdir_fd = -1;
static fake_runner runner_ctx;

static void setup(void)
{
    snprintf(workdir, sizeof(workdir), "/tmp/rbx-grading-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(workdir));
    workdir_fd = open(workdir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(workdir_fd, 0);
    memset(&runner_ctx, 0, sizeof(runner_ctx));
    runner_ctx.workdir_fd = workdir_fd;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    close(workdir_fd);
    nftw(workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *name, const char *text)
{
    int fd = openat(workdir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static rbx_grading_commands definition_of(const rbx_language *lang)
{
    return (rbx_grading_commands){.compile = (const char *const *)lang->compile_argv,
                                  .run = (const char *const *)lang->run_argv,
                                  .check = (const char *const *)lang->check_argv,
                                  .dir = "/box"};
}

/* Grade a job whose spec is parsed from body (and whose code is the body's);
 * the answer as the native writer puts it. */
static json_object *grade_job(rbx_grading_job *job, json_object *body, uint64_t total_wall_ms)
{
    rbx_grading_spec spec;
    rbx_error err;
    rbx_error_clear(&err);
    ck_assert_msg(rbx_grading_spec_parse(body, 0, NULL, NULL, &spec, &err) == 0, "spec: %s",
                  err.message);
    json_object *code = json_object_object_get(body, "code");
    rbx_language *lang = rbx_languages_find(&languages, job->language);
    ck_assert_msg(lang != NULL, "no definition of %s", job->language);
    job->definition = definition_of(lang);
    job->spec = &spec;
    job->code = code ? json_object_get_string(code) : "";
    rbx_grading_runner runner = {.run = fake_run, .ctx = &runner_ctx};
    rbx_grading_options opts = {.total_wall_ms = total_wall_ms};
    rbx_report rep;
    rbx_report_init(&rep, "run-1", NULL, "1");
    int rc = rbx_grading_execute(job, &runner, &opts, &rep, &err);
    ck_assert_msg(rc == 0, "grading failed: %s", err.message);
    json_object *out = rbx_native_execute(&rep, false);
    rbx_report_free(&rep);
    rbx_grading_spec_free(&spec);
    return out;
}

/* Grade a body; the caller frees the answer. compile/run are I/O mode's commands. */
static json_object *grade_io(const char *language, const char *body_json,
                             const char *const *compile, const char *const *run)
{
    json_object *body = json_tokener_parse(body_json);
    ck_assert_msg(body != NULL, "bad test body: %s", body_json);
    rbx_grading_job job = {
        .language = language, .workdir_fd = workdir_fd, .compile_argv = compile, .run_argv = run};
    json_object *out = grade_job(&job, body, 60000);
    json_object_put(body);
    return out;
}

static json_object *grade(const char *language, const char *body_json)
{
    return grade_io(language, body_json, NULL, NULL);
}

static const char *str_at(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return "";
    return json_object_get_string(v);
}

static json_object *result_at(json_object *out, size_t i)
{
    json_object *results;
    ck_assert(json_object_object_get_ex(out, "results", &results));
    ck_assert_msg(i < json_object_array_length(results), "no result %zu in %s", i,
                  json_object_to_json_string(out));
    return json_object_array_get_idx(results, i);
}

static size_t n_results(json_object *out)
{
    json_object *results;
    ck_assert(json_object_object_get_ex(out, "results", &results));
    return json_object_array_length(results);
}

static void expect_status(json_object *out, const char *status)
{
    ck_assert_msg(strcmp(str_at(out, "status"), status) == 0, "want %s, got %s", status,
                  json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
}

static bool passed_at(json_object *out, size_t i)
{
    json_object *p;
    json_object_object_get_ex(result_at(out, i), "passed", &p);
    return json_object_get_boolean(p);
}

/* The passed flags of every result as a string like "+-++". */
static const char *verdicts(json_object *out)
{
    static char v[128];
    size_t n = n_results(out);
    for (size_t i = 0; i < n && i < sizeof(v) - 1; i++)
        v[i] = passed_at(out, i) ? '+' : '-';
    v[n < sizeof(v) - 1 ? n : sizeof(v) - 1] = '\0';
    return v;
}

static void expect_all_passed(json_object *out, size_t n)
{
    expect_status(out, "success");
    ck_assert_uint_eq(n_results(out), n);
    json_object *all;
    ck_assert(json_object_object_get_ex(out, "all_passed", &all));
    ck_assert(json_object_get_boolean(all));
}

/* ---- I/O cases ---------------------------------------------------------- */

static const char *const py_run[] = {"python3", "main.py", NULL};

START_TEST(test_io_python_cases_compare_and_report)
{
    write_file("main.py", "a, b = map(int, input().split())\nprint(a + b)\n");
    json_object *out = grade_io("python",
                                "{\"code\": \"\", \"test_cases\": ["
                                "{\"stdin\": \"1 2\\n\", \"expected_output\": \"3\"},"
                                "{\"stdin\": \"2 2\\n\", \"expected_output\": \"5\"},"
                                "{\"stdin\": \"10 -3\\n\", \"expected_output\": 7}]}",
                                NULL, py_run);
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-+");
    json_object *second = result_at(out, 1);
    ck_assert_str_eq(str_at(second, "stdin"), "2 2\n");
    ck_assert_str_eq(str_at(second, "actual_output"), "4\n");
    ck_assert_str_eq(str_at(second, "status"), "wrong_answer");
    json_object *all;
    json_object_object_get_ex(out, "all_passed", &all);
    ck_assert(!json_object_get_boolean(all));
    json_object_put(out);
}
END_TEST

START_TEST(test_io_c_compiled_once_and_timeout_between_passes)
{
    write_file("main.c", "#include <stdio.h>\nint main(void){int n; if (scanf(\"%d\", &n) != 1) "
                         "return 2; if (n < 0) for(;;); printf(\"%d\\n\", n * n); return 0;}\n");
    static const char *const cc[] = {"gcc", "-O2", "-o", "main", "main.c", NULL};
    static const char *const run[] = {"./main", NULL};
    runner_ctx.run_wall_ms = 1000;
    json_object *out = grade_io("c",
                                "{\"code\": \"\", \"test_cases\": ["
                                "{\"stdin\": \"3\", \"expected_output\": \"9\"},"
                                "{\"stdin\": \"-1\", \"expected_output\": \"1\"},"
                                "{\"stdin\": \"4\", \"expected_output\": \"16\"},"
                                "{\"stdin\": \"x\", \"expected_output\": \"16\"}]}",
                                cc, run);
    ck_assert_uint_eq(runner_ctx.compiles, 1);
    ck_assert_uint_eq(runner_ctx.runs, 4);
    ck_assert_uint_eq(runner_ctx.kept_changes, 1); /* the compile; I/O cases drop their writes */
    ck_assert_str_eq(verdicts(out), "+-+-");
    ck_assert_str_eq(str_at(result_at(out, 1), "status"), "time_limit");
    ck_assert_str_eq(str_at(result_at(out, 3), "status"), "runtime_error");
    expect_status(out, "time_limit"); /* the worst verdict */
    json_object_put(out);
}
END_TEST

START_TEST(test_io_compile_error)
{
    write_file("main.c", "int main(void) { return x; }\n");
    static const char *const cc[] = {"gcc", "-o", "main", "main.c", NULL};
    static const char *const run[] = {"./main", NULL};
    json_object *out = grade_io(
        "c", "{\"code\": \"\", \"test_cases\": [{\"stdin\": \"\", \"expected_output\": \"\"}]}", cc,
        run);
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error_details"), "undeclared"));
    ck_assert_uint_eq(runner_ctx.runs, 0);
    json_object_put(out);
}
END_TEST

START_TEST(test_io_total_budget_cuts_remaining_cases)
{
    write_file("main.py", "import time\ntime.sleep(0.4)\nprint(1)\n");
    json_object *body = json_tokener_parse(
        "{\"code\": \"\", \"test_cases\": [{\"expected_output\": \"1\"}, {\"expected_output\": "
        "\"1\"}, {\"expected_output\": \"1\"}, {\"expected_output\": \"1\"}]}");
    rbx_grading_job job = {.language = "python", .workdir_fd = workdir_fd, .run_argv = py_run};
    json_object *out = grade_job(&job, body, 1000);
    expect_status(out, "time_limit");
    ck_assert_msg(passed_at(out, 0), "%s", json_object_to_json_string(out));
    ck_assert_str_eq(str_at(result_at(out, 3), "status"), "not_run");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "not run"));
    ck_assert_uint_lt(runner_ctx.runs, 4);
    json_object_put(out);
    json_object_put(body);
}
END_TEST

/* ---- function calls ------------------------------------------------------ */

#define ADD_CASES                                                                                  \
    "\"test_cases\": [{\"input\": [1, 2], \"expected_output\": 3},"                                \
    "{\"input\": [-5, 5], \"expected_output\": \"0\"},"                                            \
    "{\"input\": [100, 23], \"expected_output\": 123}]"

START_TEST(test_python_add_numbers)
{
    json_object *out =
        grade("python", "{\"code\": \"def add_numbers(a, b):\\n    print('debug', a)\\n    "
                        "return a + b\\n\", \"function_name\": \"add_numbers\", " ADD_CASES "}");
    expect_all_passed(out, 3);
    json_object *first = result_at(out, 0);
    ck_assert_str_eq(str_at(first, "stdout"), "debug 1\n"); /* prints kept apart */
    ck_assert_str_eq(str_at(first, "actual_output"), "3");
    ck_assert_uint_eq(runner_ctx.compiles, 1);
    json_object_put(out);
}
END_TEST

START_TEST(test_python_solution_method_and_wrong_answer)
{
    json_object *out = grade(
        "python",
        "{\"code\": \"class Solution:\\n    def add_numbers(self, a, b):\\n        "
        "return a - b if a < 0 else a + b\\n\", \"function_name\": \"add_numbers\", " ADD_CASES
        "}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-+");
    ck_assert_str_eq(str_at(result_at(out, 1), "actual_output"), "-10");
    json_object_put(out);
}
END_TEST

START_TEST(test_python_missing_function_is_compile_error)
{
    json_object *out = grade("python", "{\"code\": \"def add(a, b):\\n    return a + b\\n\", "
                                       "\"function_name\": \"add_numbers\", " ADD_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "add_numbers"));
    json_object_put(out);
    /* mentioned but not a function: found by the harness's load check */
    out = grade("python",
                "{\"code\": \"add_numbers = 3\\n\", \"function_name\": \"add_numbers\", " ADD_CASES
                "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "'add_numbers' is not defined"));
    json_object_put(out);
}
END_TEST

START_TEST(test_python_syntax_error_is_compile_error)
{
    json_object *out =
        grade("python", "{\"code\": \"def add_numbers(a, b)\\n    return a + b\\n\", "
                        "\"function_name\": \"add_numbers\", " ADD_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error_details"), "SyntaxError"));
    json_object_put(out);
}
END_TEST

START_TEST(test_python_exception_and_exit_are_runtime_errors)
{
    json_object *out =
        grade("python", "{\"code\": \"import sys\\ndef add_numbers(a, b):\\n    if a "
                        "< 0: raise ValueError('negative')\\n    if a > 50: "
                        "sys.exit(0)\\n    return a + b\\n\", "
                        "\"function_name\": \"add_numbers\", " ADD_CASES "}");
    ck_assert_str_eq(verdicts(out), "+--");
    ck_assert_str_eq(str_at(result_at(out, 1), "status"), "runtime_error");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 1), "error"), "ValueError: negative"));
    ck_assert_str_eq(str_at(result_at(out, 2), "status"), "runtime_error");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 2), "error"), "did not return"));
    expect_status(out, "runtime_error");
    json_object_put(out);
}
END_TEST

/* ---- javascript and typescript ------------------------------------------- */

#define MEDIAN_CASES                                                                               \
    "\"function_name\": \"findMedianSortedArrays\", \"test_cases\": ["                             \
    "{\"input\": [[1, 3], [2]], \"expected_output\": 2},"                                          \
    "{\"input\": [[1, 2], [3, 4]], \"expected_output\": 2.5},"                                     \
    "{\"input\": [[0, 0], [0, 0]], \"expected_output\": 0},"                                       \
    "{\"input\": [[], [1]], \"expected_output\": \"1.0\"}]"

START_TEST(test_javascript_median_of_two_sorted_arrays)
{
    json_object *out = grade(
        "javascript",
        "{\"code\": \"function findMedianSortedArrays(a, b) {\\n  const m = [...a, "
        "...b].sort((x, y) => x - y);\\n  console.log('merged', m);\\n  const h = m.length >> "
        "1;\\n  return m.length % 2 ? m[h] : (m[h - 1] + m[h]) / 2;\\n}\\n\", " MEDIAN_CASES "}");
    expect_all_passed(out, 4);
    ck_assert_str_eq(str_at(result_at(out, 1), "stdout"), "merged [ 1, 2, 3, 4 ]\n");
    ck_assert_str_eq(str_at(result_at(out, 1), "actual_output"), "2.5");
    json_object_put(out);
}
END_TEST

START_TEST(test_javascript_wrong_median_reports_failing_cases)
{
    json_object *out =
        grade("javascript", "{\"code\": \"class Solution {\\n  findMedianSortedArrays(a, b) {\\n  "
                            "  const m = a.concat(b).sort((x, y) => x - y);\\n    return "
                            "m[m.length >> 1];\\n  }\\n}\\n\", " MEDIAN_CASES "}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-++");
    ck_assert_str_eq(str_at(result_at(out, 1), "actual_output"), "3");
    json_object_put(out);
}
END_TEST

START_TEST(test_javascript_missing_function)
{
    json_object *out = grade(
        "javascript", "{\"code\": \"const findMedianSortedArrays = 5;\\n\", " MEDIAN_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "'findMedianSortedArrays' is not defined"));
    json_object_put(out);
    out = grade("javascript",
                "{\"code\": \"function median(a, b) { return 0; }\\n\", " MEDIAN_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "findMedianSortedArrays"));
    json_object_put(out);
}
END_TEST

START_TEST(test_javascript_syntax_error)
{
    json_object *out = grade(
        "javascript",
        "{\"code\": \"function findMedianSortedArrays(a, b) {\\n  return (;\\n}\\n\", " MEDIAN_CASES
        "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error_details"), "SyntaxError"));
    json_object_put(out);
}
END_TEST

START_TEST(test_typescript_function_and_async_method)
{
    json_object *out = grade(
        "typescript", "{\"code\": \"function findMedianSortedArrays(a: number[], b: number[]): "
                      "number {\\n  const m: number[] = [...a, ...b].sort((x, y) => x - y);\\n  "
                      "const h = m.length >> 1;\\n  return m.length % 2 ? m[h] : (m[h - 1] + m[h]) "
                      "/ 2;\\n}\\n\", " MEDIAN_CASES "}");
    expect_all_passed(out, 4);
    json_object_put(out);
    out = grade(
        "typescript",
        "{\"code\": \"class Solution {\\n  async addNumbers(a: number, b: number): "
        "Promise<number> { return a + b; }\\n}\\n\", \"function_name\": \"addNumbers\", " ADD_CASES
        "}");
    expect_all_passed(out, 3);
    json_object_put(out);
}
END_TEST

START_TEST(test_typescript_type_error_is_compile_error)
{
    json_object *out =
        grade("typescript", "{\"code\": \"function addNumbers(a: number, b: number): "
                            "number {\\n  return 'x';\\n}\\n\", "
                            "\"function_name\": \"addNumbers\", " ADD_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "TS2322"));
    json_object_put(out);
}
END_TEST

START_TEST(test_javascript_tests)
{
    json_object *out = grade(
        "javascript", "{\"code\": \"function add(a, b) { return a + b; }\\n\", \"tests\": "
                      "\"assert.strictEqual(add(1, 2), 3);\\nfunction test_small() { "
                      "assert.strictEqual(add(2, 2), 4); }\\nfunction test_wrong() { "
                      "assert.strictEqual(add(2, 2), 5); }\\nconst test_async = async () => { "
                      "assert.ok(add(0, 0) === 0); };\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-+");
    ck_assert_str_eq(str_at(result_at(out, 1), "name"), "test_wrong");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 1), "message"), "4 !== 5"));
    json_object_put(out);
}
END_TEST

START_TEST(test_typescript_tests)
{
    json_object *out =
        grade("typescript", "{\"code\": \"function add(a: number, b: number): number { return a "
                            "+ b; }\\n\", \"tests\": \"function test_add(): void { "
                            "assert.strictEqual(add(1, 2), 3); }\\n\"}");
    expect_all_passed(out, 1);
    json_object_put(out);
}
END_TEST

/* ---- java ------------------------------------------------------------------- */

START_TEST(test_java_add_numbers_in_public_class_and_solution)
{
    json_object *out = grade(
        "java", "{\"code\": \"public class Main {\\n  public static int addNumbers(int a, int b) "
                "{\\n    System.out.println(\\\"adding \\\" + a);\\n    return a + b;\\n  }\\n  "
                "public static void main(String[] args) {}\\n}\\n\", \"function_name\": "
                "\"addNumbers\", " ADD_CASES "}");
    expect_all_passed(out, 3);
    ck_assert_str_eq(str_at(result_at(out, 0), "stdout"), "adding 1\n");
    json_object_put(out);
    out =
        grade("java",
              "{\"code\": \"import java.util.*;\\nclass Solution {\\n  public List<Integer> "
              "twice(List<Integer> xs, Map<String, Integer> m) {\\n    List<Integer> r = new "
              "ArrayList<>();\\n    for (int x : xs) r.add(x * m.get(\\\"k\\\"));\\n    return "
              "r;\\n  }\\n}\\n\", \"function_name\": \"twice\", \"test_cases\": [{\"input\": [[1, "
              "2], {\"k\": 2}], \"expected_output\": [2, 4]}, {\"input\": [[], {\"k\": 1}], "
              "\"expected_output\": []}]}");
    expect_all_passed(out, 2);
    json_object_put(out);
}
END_TEST

START_TEST(test_java_wrong_and_missing)
{
    json_object *out = grade(
        "java", "{\"code\": \"class Solution {\\n  int addNumbers(int a, int "
                "b) { if (a < 0) throw new IllegalStateException(\\\"neg\\\"); "
                "return a * b; }\\n}\\n\", \"function_name\": \"addNumbers\", " ADD_CASES "}");
    ck_assert_str_eq(verdicts(out), "---");
    ck_assert_str_eq(str_at(result_at(out, 0), "status"), "wrong_answer");
    ck_assert_str_eq(str_at(result_at(out, 1), "status"), "runtime_error");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 1), "error"), "IllegalStateException: neg"));
    json_object_put(out);
    out = grade("java", "{\"code\": \"class Solution {\\n  int addNumbersX(int a, int b) { return "
                        "a; }\\n  String s = \\\"addNumbers\\\";\\n}\\n\", \"function_name\": "
                        "\"addNumbers\", " ADD_CASES "}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "'addNumbers' is not defined"));
    json_object_put(out);
}
END_TEST

START_TEST(test_java_tests)
{
    json_object *out =
        grade("java",
              "{\"code\": \"class Solution {\\n  static int add(int a, int b) { return a + b; "
              "}\\n}\\n\", \"tests\": \"class SolutionTest {\\n  void testAdd() { assert "
              "Solution.add(1, 2) == 3; }\\n  void testWrong() { assert Solution.add(2, 2) == 5 : "
              "\\\"two and two\\\"; }\\n}\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-");
    ck_assert_str_eq(str_at(result_at(out, 1), "name"), "SolutionTest.testWrong");
    ck_assert_str_eq(str_at(result_at(out, 1), "message"), "two and two");
    json_object_put(out);
}
END_TEST

/* ---- c++ -------------------------------------------------------------------- */

START_TEST(test_cpp_vector_sum_and_solution_method)
{
    json_object *out =
        grade("cpp",
              "{\"code\": \"#include <vector>\\n#include <cstdio>\\nlong long vectorSum(const "
              "std::vector<int> &v) {\\n  long long s = 0;\\n  for (int x : v) s += x;\\n  "
              "printf(\\\"n=%zu\\\\n\\\", v.size());\\n  return s;\\n}\\nint main() { return 1; "
              "}\\n\", \"function_name\": \"vectorSum\", \"test_cases\": [{\"input\": [[1, 2, 3]], "
              "\"expected_output\": 6}, {\"input\": [[]], \"expected_output\": 0}, {\"input\": "
              "[[2147483647, 1]], \"expected_output\": 2147483648}]}");
    expect_all_passed(out, 3);
    ck_assert_str_eq(str_at(result_at(out, 0), "stdout"), "n=3\n");
    json_object_put(out);
    out = grade(
        "cpp",
        "{\"code\": \"#include <map>\\n#include <string>\\n#include <vector>\\nusing "
        "namespace std;\\nclass Solution {\\npublic:\\n  vector<double> scale(vector<vector<int>> "
        "&rows, map<string, double> f, bool neg, string tag) const {\\n    vector<double> "
        "r;\\n    for (auto &row : rows) for (int x : row) r.push_back((neg ? -x : x) * "
        "f[tag]);\\n    return r;\\n  }\\n};\\n\", \"function_name\": \"scale\", "
        "\"test_cases\": [{\"input\": [[[1], [2, 3]], {\"k\": 0.5}, false, \"k\"], "
        "\"expected_output\": [0.5, 1, 1.5]}, {\"input\": [[[4]], {\"k\": 2}, true, \"k\"], "
        "\"expected_output\": [-8]}]}");
    expect_all_passed(out, 2);
    json_object_put(out);
}
END_TEST

START_TEST(test_cpp_wrong_missing_and_unsupported)
{
    json_object *out =
        grade("cpp", "{\"code\": \"#include <vector>\\nint vectorSum(std::vector<int> "
                     "v) { return v.empty() ? 0 : v[0]; }\\n\", \"function_name\": "
                     "\"vectorSum\", \"test_cases\": [{\"input\": [[1, 2]], "
                     "\"expected_output\": 3}, {\"input\": [[5]], "
                     "\"expected_output\": 5}]}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "-+");
    json_object_put(out);
    out = grade("cpp", "{\"code\": \"int vector_sum(int *v) { return 0; } // vectorSum\\n\", "
                       "\"function_name\": \"vectorSum\", \"test_cases\": [{\"input\": [[1]], "
                       "\"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "vectorSum"));
    json_object_put(out);
    out = grade("cpp",
                "{\"code\": \"int vectorSum(int *v) { return 0; }\\n\", \"function_name\": "
                "\"vectorSum\", \"test_cases\": [{\"input\": [[1]], \"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(
        strstr(str_at(out, "error"), "function 'vectorSum' has a parameter type"));
    json_object_put(out);
}
END_TEST

START_TEST(test_cpp_tests_with_assert)
{
    json_object *out = grade("cpp", "{\"code\": \"int add(int a, int b) { return a + b; }\\nint "
                                    "main() { return 3; }\\n\", \"tests\": \"#include "
                                    "<cassert>\\nint main() {\\n  assert(add(1, 2) == 3);\\n  "
                                    "return 0;\\n}\\n\"}");
    expect_all_passed(out, 1);
    json_object_put(out);
    out = grade("cpp", "{\"code\": \"int add(int a, int b) { return a - b; }\\n\", \"tests\": "
                       "\"#include <cassert>\\nint main() {\\n  assert(add(1, 2) == 3);\\n}\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 0), "message"), "add(1, 2) == 3"));
    json_object_put(out);
}
END_TEST

/* ---- go --------------------------------------------------------------------- */

START_TEST(test_go_function_over_slices)
{
    json_object *out = grade(
        "go",
        "{\"code\": \"package main\\n\\nimport \\\"fmt\\\"\\n\\nfunc MergeSorted(a []int, b "
        "[]int) []int {\\n\\tfmt.Println(\\\"merging\\\", len(a)+len(b))\\n\\tr := "
        "make([]int, 0, len(a)+len(b))\\n\\ti, j := 0, 0\\n\\tfor i < len(a) || j < len(b) "
        "{\\n\\t\\tif j >= len(b) || (i < len(a) && a[i] <= b[j]) {\\n\\t\\t\\tr = append(r, "
        "a[i])\\n\\t\\t\\ti++\\n\\t\\t} else {\\n\\t\\t\\tr = append(r, "
        "b[j])\\n\\t\\t\\tj++\\n\\t\\t}\\n\\t}\\n\\treturn r\\n}\\n\\nfunc main() "
        "{\\n\\tfmt.Println(\\\"main must not run\\\")\\n}\\n\", \"function_name\": "
        "\"MergeSorted\", \"test_cases\": [{\"input\": [[1, 4], [2, 3]], \"expected_output\": "
        "[1, 2, 3, 4]}, {\"input\": [[], [5]], \"expected_output\": [5]}]}");
    expect_all_passed(out, 2);
    ck_assert_str_eq(str_at(result_at(out, 0), "stdout"), "merging 4\n");
    json_object_put(out);
}
END_TEST

START_TEST(test_go_wrong_missing_and_panic)
{
    json_object *out = grade("go", "{\"code\": \"package main\\n\\nfunc Sum(xs []int, m "
                                   "map[string]int) (int, bool) {\\n\\tif len(xs) == 0 "
                                   "{\\n\\t\\tpanic(\\\"empty\\\")\\n\\t}\\n\\treturn xs[0] * "
                                   "m[\\\"k\\\"], true\\n}\\n\", \"function_name\": \"Sum\", "
                                   "\"test_cases\": [{\"input\": [[3], {\"k\": 2}], "
                                   "\"expected_output\": [6, true]}, {\"input\": [[1, 2], {\"k\": "
                                   "1}], \"expected_output\": [3, true]}, {\"input\": [[], {}], "
                                   "\"expected_output\": [0, true]}]}");
    ck_assert_str_eq(verdicts(out), "+--");
    ck_assert_str_eq(str_at(result_at(out, 1), "status"), "wrong_answer");
    ck_assert_str_eq(str_at(result_at(out, 2), "status"), "runtime_error");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 2), "error"), "panic: empty"));
    json_object_put(out);
    out = grade("go", "{\"code\": \"package main\\n\\n// Sum is not here\\nfunc Add(a, b int) int "
                      "{ return a + b }\\n\", \"function_name\": \"Sum\", \"test_cases\": "
                      "[{\"input\": [1], \"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "undefined: Sum"));
    json_object_put(out);
}
END_TEST

START_TEST(test_go_tests)
{
    /* The engine's own copy of the code is in the work dir too. */
    write_file("main.go",
               "package main\n\nfunc Add(a, b int) int { return a + b }\n\nfunc main() {}\n");
    json_object *out = grade("go", "{\"code\": \"package main\\n\\nfunc Add(a, b int) int { return "
                                   "a + b }\\n\\nfunc main() {}\\n\", \"tests\": \"func TestAdd(t "
                                   "*testing.T) {\\n\\tif Add(1, 2) != 3 {\\n\\t\\tt.Fatal(\\\"1 + "
                                   "2\\\")\\n\\t}\\n}\\n\\nfunc TestWrong(t *testing.T) {\\n\\tif "
                                   "got := Add(2, 2); got != 5 {\\n\\t\\tt.Errorf(\\\"Add(2, 2) = "
                                   "%d, want 5\\\", got)\\n\\t}\\n}\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-");
    ck_assert_str_eq(str_at(result_at(out, 1), "name"), "TestWrong");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 1), "message"), "Add(2, 2) = 4, want 5"));
    json_object_put(out);
}
END_TEST

/* ---- c ---------------------------------------------------------------------- */

START_TEST(test_c_function_over_int_array)
{
    json_object *out = grade(
        "c",
        "{\"code\": \"#include <stdio.h>\\n\\nlong sum_array(const int *nums, int n) {\\n  "
        "long s = 0;\\n  for (int i = 0; i < n; i++) s += nums[i];\\n  printf(\\\"n=%d\\\\n\\\", "
        "n);\\n  return s;\\n}\\n\\nint main(void) { return 1; }\\n\", \"function_name\": "
        "\"sum_array\", \"test_cases\": [{\"input\": [[1, 2, 3]], \"expected_output\": 6}, "
        "{\"input\": [[]], \"expected_output\": 0}, {\"input\": [[5, 5, 5], 2], "
        "\"expected_output\": 10}]}");
    expect_all_passed(out, 3);
    ck_assert_str_eq(str_at(result_at(out, 0), "stdout"), "n=3\n");
    json_object_put(out);
    out = grade("c", "{\"code\": \"#include <stdbool.h>\\n#include <string.h>\\nstatic double "
                     "scale(double x, bool neg, const char *unit, double w[], size_t nw) {\\n  "
                     "double s = x;\\n  for (size_t i = 0; i < nw; i++) s *= w[i];\\n  return (neg "
                     "? -s : s) + (double)strlen(unit);\\n}\\n\", \"function_name\": \"scale\", "
                     "\"test_cases\": [{\"input\": [1.5, true, \"ab\", [2, 0.5]], "
                     "\"expected_output\": 0.5}]}");
    expect_all_passed(out, 1);
    json_object_put(out);
}
END_TEST

START_TEST(test_c_wrong_missing_and_uncallable)
{
    json_object *out =
        grade("c", "{\"code\": \"int sum_array(int *a, int n) { return n ? a[0] : 0; "
                   "}\\n\", \"function_name\": \"sum_array\", \"test_cases\": "
                   "[{\"input\": [[4]], \"expected_output\": 4}, {\"input\": [[1, "
                   "2]], \"expected_output\": 3}]}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-");
    json_object_put(out);
    runner_ctx.compiles = 0;
    out =
        grade("c", "{\"code\": \"int total(int *a, int n) { return 0; }\\n\", \"function_name\": "
                   "\"sum_array\", \"test_cases\": [{\"input\": [[1]], \"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_str_eq(str_at(out, "error"), "function 'sum_array' is not defined in the submission");
    ck_assert_uint_eq(runner_ctx.compiles, 0); /* known before compiling */
    json_object_put(out);
    out = grade("c", "{\"code\": \"struct node { int v; };\\nint sum_array(struct node *n) { "
                     "return n->v; }\\n\", \"function_name\": \"sum_array\", \"test_cases\": "
                     "[{\"input\": [[1]], \"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "parameter 1 ('struct node *n')"));
    json_object_put(out);
    out =
        grade("c", "{\"code\": \"int sum_array(int *a) { return a[0]; }\\n\", \"function_name\": "
                   "\"sum_array\", \"test_cases\": [{\"input\": [[1]], \"expected_output\": 1}]}");
    expect_status(out, "compile_error");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "followed by its integer length"));
    json_object_put(out);
}
END_TEST

START_TEST(test_c_tests_with_assert_and_main_set_aside)
{
    json_object *out =
        grade("c", "{\"code\": \"#include <stdio.h>\\nint add(int a, int b) { "
                   "return a + b; }\\nint main(void) { printf(\\\"user main\\\\n\\\"); "
                   "return 1; }\\n\", \"tests\": \"#include <assert.h>\\nint "
                   "main(void) {\\n  assert(add(1, 2) == 3);\\n  assert(add(2, 2) "
                   "== 5);\\n  return 0;\\n}\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(str_at(result_at(out, 0), "name"), "main");
    const char *msg = str_at(result_at(out, 0), "message");
    ck_assert_ptr_nonnull(strstr(msg, "tests.c:4"));
    ck_assert_ptr_nonnull(strstr(msg, "add(2, 2) == 5"));
    ck_assert_ptr_null(strstr(str_at(out, "output"), "user main"));
    json_object_put(out);
}
END_TEST

/* Each test_* function is its own test in its own process: a failed assert,
 * a crash or an exit(1) fails that one only; the tests' main is set aside. */
START_TEST(test_c_tests_one_result_per_test_function)
{
    json_object *out =
        grade("c", "{\"code\": \"int add(int a, int b) { return a + b; }\\n\", \"tests\": "
                   "\"#include <assert.h>\\n#include <stdlib.h>\\n/* void test_commented(void) {} "
                   "*/\\nvoid test_adds(void) { assert(add(1, 2) == 3); }\\nstatic void "
                   "test_wrong(void)\\n{\\n  assert(add(2, 2) == 5);\\n}\\nvoid test_crash() { "
                   "volatile int *p = 0; *p = 1; }\\nvoid test_exits(void) { exit(3); }\\nvoid "
                   "helper(void) { }\\nint main(void) { return 9; }\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+---");
    ck_assert_str_eq(str_at(result_at(out, 0), "name"), "test_adds");
    ck_assert_str_eq(str_at(result_at(out, 1), "name"), "test_wrong");
    const char *msg = str_at(result_at(out, 1), "message");
    ck_assert_msg(strncmp(msg, "tests.c:7: test_wrong: Assertion", 32) == 0, "message: %s", msg);
    ck_assert_ptr_nonnull(strstr(msg, "add(2, 2) == 5"));
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 2), "message"), "signal 11"));
    ck_assert_str_eq(str_at(result_at(out, 3), "message"), "exited with status 3");
    ck_assert_ptr_nonnull(strstr(str_at(out, "error"), "add(2, 2) == 5"));
    json_object_put(out);
}
END_TEST

START_TEST(test_cpp_tests_one_result_per_test_function)
{
    json_object *out =
        grade("cpp", "{\"code\": \"#include <string>\\nstd::string twice(const std::string &s) { "
                     "return s + s; }\\n\", \"tests\": \"#include <cassert>\\nvoid test_ok() { "
                     "assert(twice(\\\"ab\\\") == \\\"abab\\\"); }\\nvoid test_bad() { "
                     "assert(twice(\\\"a\\\").size() == 3); }\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-");
    ck_assert_str_eq(str_at(result_at(out, 1), "name"), "test_bad");
    ck_assert_ptr_nonnull(strstr(str_at(result_at(out, 1), "message"), "tests.cpp:3"));
    json_object_put(out);
}
END_TEST

/* ---- test code ----------------------------------------------------------- */

START_TEST(test_python_tests_one_result_per_test)
{
    json_object *out = grade(
        "python", "{\"code\": \"def add(a, b):\\n    return a + b\\n\", \"tests\": \"assert add(1, "
                  "2) == 3\\nassert add(2, 2) == 5, 'two and two'\\ndef test_zero():\\n    assert "
                  "add(0, 0) == 0\\ndef test_neg():\\n    assert add(-1, -1) == -3\\n\"}");
    expect_status(out, "wrong_answer");
    ck_assert_str_eq(verdicts(out), "+-+-");
    ck_assert_str_eq(str_at(result_at(out, 0), "name"), "line 1: assert add(1, 2) == 3");
    ck_assert_str_eq(str_at(result_at(out, 1), "message"), "two and two");
    ck_assert_str_eq(str_at(result_at(out, 3), "name"), "test_neg");
    json_object_put(out);
}
END_TEST

/* ---- the harnesses' commands are the definition's ------------------------ */

static const struct {
    const char *language, *code;
} CALLABLE[] = {
    {"c", "int f(int a) { return a; }\n"},
    {"cpp", "int f(int a) { return a; }\n"},
    {"java", "public class Solution { public int f(int a) { return a; } }\n"},
    {"go", "package main\n\nfunc f(a int) int { return a }\n"},
    {"python", "def f(a):\n    return a\n"},
    {"javascript", "function f(a) { return a; }\n"},
    {"typescript", "function f(a: number): number { return a; }\n"},
};

/* Every literal element of tmpl appears in argv, in order ({sources},
 * {file}, ... are the harness's names; {prebuilt} stays for the engine). */
static bool follows_template(const char *const *tmpl, const char *const *argv)
{
    size_t a = 0;
    for (size_t t = 0; tmpl[t]; t++) {
        if (strchr(tmpl[t], '{') && !strstr(tmpl[t], "{prebuilt}"))
            continue;
        while (argv[a] && strcmp(argv[a], tmpl[t]) != 0)
            a++;
        if (!argv[a])
            return false;
        a++;
    }
    return true;
}

/* tmpl with flag inserted after the program's name. */
static const char **with_flag(const char *const *tmpl, const char *flag, const char **out,
                              size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; tmpl[i] && n + 2 < cap; i++) {
        out[n++] = tmpl[i];
        if (i == 0)
            out[n++] = flag;
    }
    out[n] = NULL;
    return out;
}

static void plan_for(const char *language, const char *code, const rbx_grading_commands *def,
                     rbx_harness_plan *plan)
{
    rbx_harness_input in = {
        .definition = def, .workdir_fd = workdir_fd, .code = code, .function_name = "f"};
    rbx_error err;
    ck_assert_msg(rbx_harness_plan_make(language, &in, plan, &err) == 0, "%s: %s", language,
                  err.message);
    ck_assert_msg(!plan->uncallable, "%s: %s", language, plan->uncallable);
}

/* The last compile step (the compiler, when the language has one) and the
 * run are the definition's commands; a flag changed in the definition is
 * changed in the harness's commands too. */
START_TEST(test_harness_commands_come_from_the_definition)
{
    for (size_t i = 0; i < sizeof(CALLABLE) / sizeof(CALLABLE[0]); i++) {
        const char *id = CALLABLE[i].language;
        rbx_language *lang = rbx_languages_find(&languages, id);
        ck_assert_ptr_nonnull(lang);
        rbx_grading_commands def = definition_of(lang);
        rbx_harness_plan plan;
        plan_for(id, CALLABLE[i].code, &def, &plan);
        ck_assert_msg(follows_template(def.run, plan.run), "%s: the run is not the definition's",
                      id);
        bool compiles = lang->compiled && strcmp(id, "typescript") != 0; /* tsc: its own */
        ck_assert_uint_ge(plan.n_compile, 1);
        const char *const *compile = plan.compile[plan.n_compile - 1];
        if (compiles)
            ck_assert_msg(follows_template(def.compile, compile),
                          "%s: the compile is not the definition's", id);
        rbx_harness_plan_free(&plan);

        const char *changed_compile[64], *changed_run[64];
        def.run = with_flag(def.run, "--rbx-changed-run", changed_run, 64);
        if (compiles)
            def.compile = with_flag(def.compile, "--rbx-changed-compile", changed_compile, 64);
        plan_for(id, CALLABLE[i].code, &def, &plan);
        ck_assert_msg(strcmp(plan.run[1], "--rbx-changed-run") == 0, "%s: run %s %s", id,
                      plan.run[0], plan.run[1]);
        compile = plan.compile[plan.n_compile - 1];
        if (compiles)
            ck_assert_msg(strcmp(compile[1], "--rbx-changed-compile") == 0, "%s: compile %s %s", id,
                          compile[0], compile[1]);
        rbx_harness_plan_free(&plan);
    }
}
END_TEST

static TCase *tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

static Suite *suite(void)
{
    Suite *s = suite_create("grading harness");
    TCase *commands = tcase("commands");
    tcase_add_test(commands, test_harness_commands_come_from_the_definition);
    suite_add_tcase(s, commands);
    TCase *io = tcase("io");
    tcase_add_test(io, test_io_python_cases_compare_and_report);
    tcase_add_test(io, test_io_c_compiled_once_and_timeout_between_passes);
    tcase_add_test(io, test_io_compile_error);
    tcase_add_test(io, test_io_total_budget_cuts_remaining_cases);
    suite_add_tcase(s, io);
    TCase *py = tcase("python");
    tcase_add_test(py, test_python_add_numbers);
    tcase_add_test(py, test_python_solution_method_and_wrong_answer);
    tcase_add_test(py, test_python_missing_function_is_compile_error);
    tcase_add_test(py, test_python_syntax_error_is_compile_error);
    tcase_add_test(py, test_python_exception_and_exit_are_runtime_errors);
    tcase_add_test(py, test_python_tests_one_result_per_test);
    suite_add_tcase(s, py);
    TCase *js = tcase("javascript");
    tcase_add_test(js, test_javascript_median_of_two_sorted_arrays);
    tcase_add_test(js, test_javascript_wrong_median_reports_failing_cases);
    tcase_add_test(js, test_javascript_missing_function);
    tcase_add_test(js, test_javascript_syntax_error);
    tcase_add_test(js, test_typescript_function_and_async_method);
    tcase_add_test(js, test_typescript_type_error_is_compile_error);
    tcase_add_test(js, test_javascript_tests);
    tcase_add_test(js, test_typescript_tests);
    suite_add_tcase(s, js);
    TCase *java = tcase("java");
    tcase_add_test(java, test_java_add_numbers_in_public_class_and_solution);
    tcase_add_test(java, test_java_wrong_and_missing);
    tcase_add_test(java, test_java_tests);
    suite_add_tcase(s, java);
    TCase *cpp = tcase("cpp");
    tcase_add_test(cpp, test_cpp_vector_sum_and_solution_method);
    tcase_add_test(cpp, test_cpp_wrong_missing_and_unsupported);
    tcase_add_test(cpp, test_cpp_tests_with_assert);
    tcase_add_test(cpp, test_cpp_tests_one_result_per_test_function);
    suite_add_tcase(s, cpp);
    TCase *go = tcase("go");
    tcase_add_test(go, test_go_function_over_slices);
    tcase_add_test(go, test_go_wrong_missing_and_panic);
    tcase_add_test(go, test_go_tests);
    suite_add_tcase(s, go);
    TCase *c = tcase("c");
    tcase_add_test(c, test_c_function_over_int_array);
    tcase_add_test(c, test_c_wrong_missing_and_uncallable);
    tcase_add_test(c, test_c_tests_with_assert_and_main_set_aside);
    tcase_add_test(c, test_c_tests_one_result_per_test_function);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    char dir[1024];
    const char *top = getenv("RUNBOX_SRCDIR");
    rbx_error err;
    snprintf(dir, sizeof(dir), "%s/languages", top ? top : ".");
    if (rbx_languages_load_dir(dir, &languages, &err) != 0) {
        fprintf(stderr, "cannot load %s: %s\n", dir, err.message);
        return 1;
    }
    int rc = rbx_check_run(suite());
    rbx_languages_free(&languages);
    return rc;
}
