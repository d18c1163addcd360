"""Grading through the HTTP API (DESIGN.md section 3, issue 4): function calls in
every language, I/O cases, test code, verdicts per case, bad grading inputs, and
graded runs in the history. Real nginx, pool and sandbox."""

import base64
import json

import pytest

# What DESIGN.md promises of every case result.
CASE_FIELDS = ("expected_output", "actual_output", "passed", "status", "time_ms", "memory_kb",
               "error")


def grade(stack, key, body):
    r = stack.execute(key, body, retry_busy=True)
    assert r.status == 200, r
    return r.json


def assert_case_fields(results, input_key):
    assert isinstance(results, list) and results
    for res in results:
        for field in (input_key,) + CASE_FIELDS:
            assert field in res, (field, res)
        assert isinstance(res["time_ms"], int) and res["time_ms"] >= 0
        assert isinstance(res["memory_kb"], int) and res["memory_kb"] >= 0


def assert_all_passed(out, n_cases, input_key="input"):
    assert out["status"] == "success", json.dumps(out)[:3000]
    assert out["all_passed"] is True
    assert out["compile"]["status"] == "success"
    assert len(out["results"]) == n_cases
    assert all(res["passed"] and res["status"] == "success" for res in out["results"])
    assert_case_fields(out["results"], input_key)


def assert_in_history(stack, key, out):
    r = stack.request("GET", "/history/" + out["id"], key=key)
    assert r.status == 200, r
    assert r.json["status"] == out["status"]
    assert r.json["results"] == out["results"]
    assert r.json["all_passed"] == out["all_passed"]


MEDIAN_JS = """
function findMedianSortedArrays(nums1, nums2) {
    const all = nums1.concat(nums2).sort((a, b) => a - b);
    const n = all.length;
    return n % 2 ? all[(n - 1) / 2] : (all[n / 2 - 1] + all[n / 2]) / 2;
}
"""
MEDIAN_CASES = [
    {"input": [[1, 3], [2]], "expected_output": 2.0},
    {"input": [[1, 2], [3, 4]], "expected_output": 2.5},
    {"input": [[0, 0], [0, 0]], "expected_output": 0},
    {"input": [[], [1]], "expected_output": 1.0},
]

FUNCTION_EXAMPLES = {
    "javascript": (MEDIAN_JS, "findMedianSortedArrays", MEDIAN_CASES),
    "python": ("def add_numbers(a, b):\n    return a + b\n", "add_numbers",
               [{"input": [1, 2], "expected_output": 3},
                {"input": [-5, 5], "expected_output": 0},
                {"input": [1.5, 2.25], "expected_output": 3.75}]),
    "java": ("public class Solution {\n"
             "    public int addNumbers(int a, int b) { return a + b; }\n"
             "}\n", "addNumbers",
             [{"input": [1, 2], "expected_output": 3},
              {"input": [100, -1], "expected_output": 99}]),
    "cpp": ("#include <vector>\n"
            "long long vectorSum(const std::vector<int>& v) {\n"
            "    long long s = 0;\n"
            "    for (int x : v) s += x;\n"
            "    return s;\n"
            "}\n", "vectorSum",
            [{"input": [[1, 2, 3]], "expected_output": 6},
             {"input": [[]], "expected_output": 0},
             {"input": [[2147483647, 1]], "expected_output": 2147483648}]),
    "go": ("package main\n\n"
           "func Merge(a []int, b []int) []int {\n"
           "    out := append([]int{}, a...)\n"
           "    return append(out, b...)\n"
           "}\n\nfunc main() {}\n", "Merge",
           [{"input": [[1, 2], [3]], "expected_output": [1, 2, 3]},
            {"input": [[], [7]], "expected_output": [7]}]),
    "c": ("int max_of(const int *a, int n) {\n"
          "    int m = a[0];\n"
          "    for (int i = 1; i < n; i++) if (a[i] > m) m = a[i];\n"
          "    return m;\n"
          "}\n", "max_of",
          [{"input": [[3, 9, 2]], "expected_output": 9},
           {"input": [[-4, -2, -8]], "expected_output": -2}]),
    "typescript": ("function twoSum(nums: number[], target: number): number[] {\n"
                   "    const seen = new Map<number, number>();\n"
                   "    for (let i = 0; i < nums.length; i++) {\n"
                   "        const j = seen.get(target - nums[i]);\n"
                   "        if (j !== undefined) return [j, i];\n"
                   "        seen.set(nums[i], i);\n"
                   "    }\n"
                   "    return [];\n"
                   "}\n", "twoSum",
                   [{"input": [[2, 7, 11, 15], 9], "expected_output": [0, 1]},
                    {"input": [[3, 2, 4], 6], "expected_output": [1, 2]}]),
}


@pytest.mark.parametrize("language", sorted(FUNCTION_EXAMPLES))
def test_function_examples_pass_in_every_language(stack, alice, language):
    code, name, cases = FUNCTION_EXAMPLES[language]
    out = grade(stack, alice, {"language": language, "code": code, "function_name": name,
                               "test_cases": cases})
    assert_all_passed(out, len(cases))
    for res, case in zip(out["results"], cases):
        assert res["input"] == case["input"]
        assert res["expected_output"] == case["expected_output"]
    assert_in_history(stack, alice, out)


def test_wrong_solution_reports_which_cases_failed_and_why(stack, alice):
    code = MEDIAN_JS.replace("/ 2;", "/ 3;")  # wrong for even lengths only
    out = grade(stack, alice, {"language": "javascript", "code": code,
                               "function_name": "findMedianSortedArrays",
                               "test_cases": MEDIAN_CASES})
    assert out["status"] == "wrong_answer" and out["all_passed"] is False
    assert [res["passed"] for res in out["results"]] == [True, False, True, True]
    assert [res["status"] for res in out["results"]] == [
        "success", "wrong_answer", "success", "success"]
    failed = out["results"][1]
    assert failed["expected_output"] == 2.5
    assert failed["actual_output"] == pytest.approx(5 / 3)
    assert_case_fields(out["results"], "input")
    assert_in_history(stack, alice, out)


def test_io_cases_compare_as_json_values(stack, alice):
    code = "a, b = map(float, input().split())\nprint(a + b)\n"  # prints 3.0
    out = grade(stack, alice, {"language": "python", "code": code, "test_cases": [
        {"stdin": "1 2\n", "expected_output": "3"},
        {"stdin": "1 1\n", "expected_output": 2},
        {"stdin": "0.5 0.25\n", "expected_output": "0.75\n\n"},
        {"stdin": "2 2\n", "expected_output": "5"},
    ]})
    assert out["status"] == "wrong_answer" and out["all_passed"] is False
    assert [res["passed"] for res in out["results"]] == [True, True, True, False]
    assert out["results"][3]["actual_output"] == "4.0\n"
    assert out["results"][3]["expected_output"] == "5"
    assert out["results"][0]["stdin"] == "1 2\n"
    assert_case_fields(out["results"], "stdin")
    assert_in_history(stack, alice, out)


def test_io_cases_of_a_compiled_program_all_pass(stack, alice):
    code = ('#include <stdio.h>\nint main(void) { long a, b;\n'
            '  if (scanf("%ld %ld", &a, &b) != 2) return 1;\n'
            '  printf("%ld\\n", a + b); return 0; }\n')
    cases = [{"stdin": "%d %d\n" % (i, i * i), "expected_output": str(i + i * i)}
             for i in range(10)]
    out = grade(stack, alice, {"language": "c", "code": code, "test_cases": cases})
    assert_all_passed(out, 10, "stdin")
    assert_in_history(stack, alice, out)


def test_each_io_case_starts_from_the_same_work_dir(stack, alice):
    code = ("import os\n"
            "print(os.path.exists('left_by_a_case'))\n"
            "open('left_by_a_case', 'w').write('x')\n")
    case = {"stdin": "", "expected_output": "False"}
    out = grade(stack, alice, {"language": "python", "code": code, "test_cases": [case, case]})
    assert_all_passed(out, 2, "stdin")


def test_python_syntax_error_is_a_compile_error(stack, alice):
    out = grade(stack, alice, {"language": "python", "code": "def add_numbers(a, b)\n    return a + b\n",
                               "function_name": "add_numbers",
                               "test_cases": [{"input": [1, 2], "expected_output": 3}]})
    assert out["status"] == "compile_error", out
    assert out["all_passed"] is False
    assert out["results"] is None
    assert out["compile"]["status"] == "error"
    assert "SyntaxError" in out["error_details"], out["error_details"]
    assert_in_history(stack, alice, out)


def test_missing_function_is_a_compile_error_naming_it(stack, alice):
    out = grade(stack, alice, {"language": "python", "code": "def add(a, b):\n    return a + b\n",
                               "function_name": "add_numbers",
                               "test_cases": [{"input": [1, 2], "expected_output": 3}]})
    assert out["status"] == "compile_error", out
    assert "add_numbers" in out["error"]


def test_a_case_that_times_out_between_two_that_pass(stack, alice):
    code = ("import time\n"
            "def slow_echo(x):\n"
            "    if x < 0:\n"
            "        while True:\n"
            "            pass\n"
            "    return x\n")
    out = grade(stack, alice, {"language": "python", "code": code, "function_name": "slow_echo",
                               "limits": {"cpu_time_ms": 1000, "wall_time_ms": 2000},
                               "test_cases": [{"input": [1], "expected_output": 1},
                                              {"input": [-1], "expected_output": -1},
                                              {"input": [2], "expected_output": 2}]})
    assert [res["status"] for res in out["results"]] == ["success", "time_limit", "success"]
    assert [res["passed"] for res in out["results"]] == [True, False, True]
    assert out["status"] == "time_limit" and out["all_passed"] is False
    assert out["results"][1]["error"], "a time_limit case says why"
    assert_case_fields(out["results"], "input")


def test_runtime_error_in_one_case(stack, alice):
    code = "def inv(x):\n    return 1 / x\n"
    out = grade(stack, alice, {"language": "python", "code": code, "function_name": "inv",
                               "test_cases": [{"input": [2], "expected_output": 0.5},
                                              {"input": [0], "expected_output": 0}]})
    assert [res["status"] for res in out["results"]] == ["success", "runtime_error"]
    assert "ZeroDivisionError" in out["results"][1]["error"]
    assert out["status"] == "runtime_error"


def test_user_prints_do_not_corrupt_the_returned_value(stack, alice):
    code = ("def add_numbers(a, b):\n"
            "    print('debug:', a, b)\n"
            "    print(12345)\n"
            "    return a + b\n")
    out = grade(stack, alice, {"language": "python", "code": code, "function_name": "add_numbers",
                               "test_cases": [{"input": [1, 2], "expected_output": 3}]})
    assert_all_passed(out, 1)
    res = out["results"][0]
    assert res["actual_output"] == 3
    assert res["stdout"] == "debug: 1 2\n12345\n"


def test_user_prints_in_c_do_not_corrupt_the_returned_value(stack, alice):
    code = ('#include <stdio.h>\n'
            'int add_numbers(int a, int b) { printf("%d\\n", 999); return a + b; }\n')
    out = grade(stack, alice, {"language": "c", "code": code, "function_name": "add_numbers",
                               "test_cases": [{"input": [1, 2], "expected_output": 3}]})
    assert_all_passed(out, 1)
    assert out["results"][0]["actual_output"] == 3
    assert out["results"][0]["stdout"] == "999\n"


PY_TESTS = ("def test_adds():\n"
            "    assert add(1, 2) == 3\n"
            "def test_wrong():\n"
            "    assert add(2, 2) == 5, 'two and two'\n")
C_TESTS = ("#include <assert.h>\n"
           "int add(int a, int b);\n"
           "void test_adds(void) { assert(add(1, 2) == 3); }\n"
           "void test_wrong(void) { assert(add(2, 2) == 5); }\n"
           "int main(void) { test_adds(); test_wrong(); return 0; }\n")


def test_python_test_code_one_passing_one_failing(stack, alice):
    out = grade(stack, alice, {"language": "python", "code": "def add(a, b):\n    return a + b\n",
                               "tests": PY_TESTS})
    by_name = {res["name"]: res for res in out["results"]}
    assert by_name["test_adds"]["passed"] is True
    assert by_name["test_wrong"]["passed"] is False
    assert "two and two" in by_name["test_wrong"]["message"]
    assert out["status"] == "wrong_answer" and out["all_passed"] is False
    assert_in_history(stack, alice, out)


def test_c_test_code_one_passing_one_failing(stack, alice):
    out = grade(stack, alice, {"language": "c", "code": "int add(int a, int b) { return a + b; }\n",
                               "tests": C_TESTS})
    by_name = {res["name"]: res for res in out["results"]}
    assert by_name["test_adds"]["passed"] is True, out["results"]
    assert by_name["test_wrong"]["passed"] is False
    assert "add(2, 2) == 5" in by_name["test_wrong"]["message"]
    assert out["status"] == "wrong_answer" and out["all_passed"] is False
    assert_in_history(stack, alice, out)


# Test code in the other languages, as README says each is written: one
# passing and one failing test each, reported by name.
TESTS_EXAMPLES = {
    "javascript": ("function add(a, b) { return a + b; }\n",
                   "function test_adds() { assert.strictEqual(add(1, 2), 3); }\n"
                   "function test_wrong() { assert.strictEqual(add(2, 2), 5); }\n",
                   "test_adds", "test_wrong"),
    "typescript": ("function add(a: number, b: number): number { return a + b; }\n",
                   "function test_adds(): void { assert.strictEqual(add(1, 2), 3); }\n"
                   "function test_wrong(): void { assert.strictEqual(add(2, 2), 5); }\n",
                   "test_adds", "test_wrong"),
    "java": ("public class Solution {\n"
             "    public static int add(int a, int b) { return a + b; }\n"
             "}\n",
             "class SolutionTest {\n"
             "    void testAdds() { assert Solution.add(1, 2) == 3 : \"one and two\"; }\n"
             "    void testWrong() { assert Solution.add(2, 2) == 5 : \"two and two\"; }\n"
             "}\n",
             "SolutionTest.testAdds", "SolutionTest.testWrong"),
    "go": ("package main\n\nfunc Add(a, b int) int { return a + b }\n\nfunc main() {}\n",
           "func TestAdds(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"1 + 2\")\n\t}\n}\n\n"
           "func TestWrong(t *testing.T) {\n\tif got := Add(2, 2); got != 5 {\n"
           "\t\tt.Errorf(\"Add(2, 2) = %d, want 5\", got)\n\t}\n}\n",
           "TestAdds", "TestWrong"),
    "cpp": ("#include <vector>\n"
            "int total(const std::vector<int> &v) { int s = 0; for (int x : v) s += x; return s; }\n",
            "#include <cassert>\n"
            "void test_adds() { assert(total({1, 2}) == 3); }\n"
            "void test_wrong() { assert(total({2, 2}) == 5); }\n",
            "test_adds", "test_wrong"),
}


@pytest.mark.parametrize("language", sorted(TESTS_EXAMPLES))
def test_test_code_in_other_languages(stack, alice, language):
    code, tests, good, bad = TESTS_EXAMPLES[language]
    out = grade(stack, alice, {"language": language, "code": code, "tests": tests})
    by_name = {res["name"]: res for res in out["results"] or []}
    assert good in by_name and bad in by_name, json.dumps(out)[:3000]
    assert by_name[good]["passed"] is True
    assert by_name[bad]["passed"] is False and by_name[bad]["message"]
    assert out["status"] == "wrong_answer" and out["all_passed"] is False


def test_base64_encoded_with_test_cases(stack, alice):
    def b64(s):
        return base64.b64encode(s.encode()).decode()

    code = "print(input()[::-1])\n"
    out = grade(stack, alice, {"language": "python", "code": b64(code), "base64_encoded": True,
                               "test_cases": [{"stdin": b64("héllo\n"), "expected_output": b64("olléh")},
                                              {"stdin": b64("ab\n"), "expected_output": b64("xx")}]})
    assert [res["passed"] for res in out["results"]] == [True, False]
    first, second = out["results"]
    assert base64.b64decode(first["stdin"]).decode() == "héllo\n"
    assert base64.b64decode(first["actual_output"]).decode() == "olléh\n"
    assert base64.b64decode(second["actual_output"]).decode() == "ba\n"
    assert base64.b64decode(second["expected_output"]).decode() == "xx"


def test_invalid_utf8_output_is_repaired_once(stack, alice):
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\n')\n"
    out = grade(stack, alice, {"language": "python", "code": code,
                               "test_cases": [{"stdin": "", "expected_output": "ok"}]})
    res = out["results"][0]
    assert res["actual_output"] == "ok \ufffd\n"
    assert res["passed"] is False and res["status"] == "wrong_answer"


def too_many_cases():
    return [{"stdin": "", "expected_output": ""}] * 101


BAD_GRADING = [
    ("test_cases not a list", {"test_cases": {"stdin": "", "expected_output": ""}},
     400, "test_cases"),
    ("input not a list", {"function_name": "f", "test_cases": [{"input": 3, "expected_output": 3}]},
     400, "test_cases[0].input"),
    ("function_name without cases", {"function_name": "f"}, 400, "function_name"),
    ("over 100 cases", {"test_cases": too_many_cases()}, 422, "test_cases"),
    ("case not an object", {"test_cases": ["1"]}, 400, "test_cases[0]"),
    ("case without expected_output", {"test_cases": [{"stdin": "1"}]}, 400, "test_cases[0]"),
    ("stdin not a string", {"test_cases": [{"stdin": 1, "expected_output": "1"}]},
     400, "test_cases[0].stdin"),
    ("tests not a string", {"tests": ["assert True"]}, 400, "tests"),
    ("tests with test_cases", {"tests": "assert True",
                               "test_cases": [{"stdin": "", "expected_output": ""}]},
     400, "tests"),
]


@pytest.mark.parametrize("what,fields,status,field", BAD_GRADING,
                         ids=[b[0] for b in BAD_GRADING])
def test_bad_grading_inputs_get_the_documented_error(stack, alice, what, fields, status, field):
    body = dict({"language": "python", "code": "def f(x):\n    return x\n"}, **fields)
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == status, (what, r)
    err = r.json["error"]
    assert err["code"] == ("limit_exceeded" if status == 422 else "invalid_request"), r
    assert err["field"] == field, (what, r)
    assert err["message"]
