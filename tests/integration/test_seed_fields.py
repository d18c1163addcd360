"""The seed platforms' fields on the native API, as their clients send them:
`timeout` (seconds), `imports` (per language, into the code), `tests: ""`
meaning no tests, POST /validate with the query string, and Java classes of
any name."""

import urllib.parse

import pytest

JAVA_HELLO = ('public class HelloWorld {\n    public static void main(String[] a) {\n'
              '        System.out.println("hi");\n    }\n}\n')


def test_timeout_is_the_wall_limit_in_seconds(stack, alice):
    r = stack.execute(alice, {"code": "print('hello')", "language": "python",
                              "session_id": "test-session", "timeout": 30})
    assert r.status == 200, r
    assert r.json["status"] == "success" and r.json["output"] == "hello\n"


def test_fractional_timeout_ends_a_sleeper(stack, alice):
    r = stack.execute(alice, {"code": "import time\ntime.sleep(5)", "language": "python",
                              "timeout": 0.5})
    assert r.status == 200, r
    assert r.json["status"] == "time_limit"


def test_timeout_and_wall_limit_that_disagree_are_a_400(stack, alice):
    r = stack.execute(alice, {"code": "print(1)", "language": "python", "timeout": 2,
                              "limits": {"wall_time_ms": 3000}})
    assert r.status == 400 and r.json["error"]["field"] == "timeout", r
    r = stack.execute(alice, {"code": "print(1)", "language": "python", "timeout": 2,
                              "limits": {"wall_time_ms": 2000}})
    assert r.status == 200, r


def test_timeout_over_the_maximum_is_a_422(stack, alice):
    r = stack.execute(alice, {"code": "print(1)", "language": "python", "timeout": 3600})
    assert r.status == 422 and r.json["error"]["field"] == "timeout", r


def test_empty_tests_means_no_tests(stack, alice):
    code = '#include <stdio.h>\nint main(void) { printf("hello\\n"); return 0; }\n'
    for tests in ("", None):
        r = stack.execute(alice, {"code": code, "language": "c", "tests": tests})
        assert r.status == 200, r
        assert r.json["status"] == "success" and r.json["output"] == "hello\n", r.json


@pytest.mark.parametrize("language,imports,code,expected", [
    ("python", ["math", "from collections import Counter"],
     "def f(x):\n    return math.isqrt(x) + Counter('aa')['a']\n", 6),
    ("javascript", ["fs"], "function f(x) { return typeof fs.readFileSync === 'function' ? x : 0; }",
     9),
    ("java", ["java.util.*"],
     "class Solution { public int f(int x) { List<Integer> l = new ArrayList<>(); l.add(x);"
     " return l.get(0); } }", 9),
    ("cpp", ["vector", "<numeric>"],
     "int f(int x) { std::vector<int> v{x}; return std::accumulate(v.begin(), v.end(), 0); }", 9),
    ("c", ["stdlib.h"], "int f(int x) { return abs(-x); }", 9),
    ("go", ["strings"], "package main\n\nfunc f(x int) int { return x + len(strings.TrimSpace(\"\")) }\n",
     9),
])
def test_imports_reach_the_function_harness(stack, alice, language, imports, code, expected):
    arg = 9 if expected == 9 else 16  # python: isqrt(16) + 2
    r = stack.execute(alice, {"language": language, "code": code, "function_name": "f",
                              "imports": imports,
                              "test_cases": [{"input": [arg], "expected_output": expected}]},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["all_passed"] is True, r.json


def test_an_unknown_import_is_the_compilers_error(stack, alice):
    r = stack.execute(alice, {"language": "cpp", "code": "int f(int x) { return x; }",
                              "function_name": "f", "imports": ["no_such_header"],
                              "test_cases": [{"input": [1], "expected_output": 1}]},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "compile_error" and "no_such_header" in r.json["error"], r.json


def test_c_imports_keep_the_line_numbers(stack, alice):
    r = stack.execute(alice, {"language": "c", "imports": ["stdio.h"],
                              "code": "int main(void) {\n  puts(\"x\")\n}\n"})
    assert r.json["status"] == "compile_error", r.json
    assert ":2:" in r.json["error"], r.json["error"]


def test_bad_imports_are_a_400(stack, alice):
    for imports in ("math", [1], ["a\nimport os"]):
        r = stack.execute(alice, {"language": "python", "code": "print(1)", "imports": imports})
        assert r.status == 400 and r.json["error"]["field"].startswith("imports"), r


def test_validate_with_the_query_string(stack, alice):
    q = urllib.parse.urlencode({"code": "print('hello')", "language": "python"})
    r = stack.request("POST", "/validate?" + q, key=alice)
    assert r.status == 200, r
    assert r.json["valid"] is True
    q = urllib.parse.urlencode({"code": "print('hello'", "language": "python"})
    r = stack.request("POST", "/validate?" + q, key=alice)
    assert r.status == 200 and r.json["valid"] is False, r


def test_java_public_class_of_any_name(stack, alice):
    r = stack.execute(alice, {"language": "java", "code": JAVA_HELLO}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "success" and r.json["output"] == "hi\n", r.json


def test_java_main_in_a_class_that_is_not_public(stack, alice):
    code = ('class Helper { static String s() { return "x"; } }\n'
            'class Program {\n  static class Inner {}\n'
            '  public static void main(String[] a) { System.out.println(Helper.s()); }\n}\n')
    r = stack.execute(alice, {"language": "java", "code": code}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "success" and r.json["output"] == "x\n", r.json


def test_java_public_class_without_main_beside_the_main_class(stack, alice):
    code = ('public class Solution { static int twice(int x) { return 2 * x; } }\n'
            'class Main { public static void main(String[] a) {'
            ' System.out.println(Solution.twice(21)); } }\n')
    r = stack.execute(alice, {"language": "java", "code": code}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "success" and r.json["output"] == "42\n", r.json


def test_java_function_tests_with_a_public_class(stack, alice):
    code = "public class Calculator { public int add(int a, int b) { return a + b; } }\n"
    r = stack.execute(alice, {"language": "java", "code": code, "function_name": "add",
                              "test_cases": [{"input": [1, 2], "expected_output": 3}]},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["all_passed"] is True, r.json
