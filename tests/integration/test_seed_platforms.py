"""The seed platforms' own routes, with the requests their clients send
(quoted in the issue that asked for them), through nginx's dialect includes:
/api/v1/execution/ (the IDE), /execute-test/ (the C grading platform) and
/code-execution-engine/execute (the function-grading platform)."""

import base64
import json
import time
import urllib.parse

C_HELLO = '#include <stdio.h>\nint main(void) {\n    printf("Hello, World!\\n");\n    return 0;\n}\n'


# ---- /api/v1/execution/ --------------------------------------------------------

def test_execution_execute_with_timeout_and_session(stack, alice):
    r = stack.request("POST", "//api/v1/execution/execute",
                      {"code": "print('hello')", "language": "python",
                       "session_id": "test-session", "timeout": 30}, key=alice)
    assert r.status == 200, r
    for key in ("stdout", "stderr", "exit_code", "execution_time", "status", "output", "id"):
        assert key in r.json, key
    assert r.json["stdout"] == "hello\n" and r.json["stderr"] == ""
    assert r.json["exit_code"] == 0 and r.json["status"] == "success"
    h = stack.request("GET", "/history/" + r.json["id"], key=alice)
    assert h.status == 200 and h.json["session_id"] == "test-session"


def test_execution_validate_with_the_query_string(stack, alice):
    q = urllib.parse.urlencode({"code": "print('hello')", "language": "python"})
    r = stack.request("POST", "//api/v1/execution/validate?" + q, key=alice)
    assert r.status == 200 and r.json["valid"] is True, r


def test_execution_async_and_task(stack, alice, jobs_worker):
    r = stack.request("POST", "//api/v1/execution/execute/async",
                      {"code": "print(6 * 7)", "language": "python"}, key=alice)
    assert r.status == 202, r
    task_id = r.json["id"]
    for _ in range(300):
        t = stack.request("GET", "//api/v1/execution/task/" + task_id, key=alice)
        if t.json["status"] == "done":
            break
        time.sleep(0.2)
    assert t.json["status"] == "done" and t.json["result"]["output"] == "42\n", t


def test_execution_languages(stack):
    r = stack.request("GET", "//api/v1/execution/languages")
    assert r.status == 200 and any(l["id"] == "python" for l in r.json["languages"])
    r = stack.request("GET", "//api/v1/execution/languages/python")
    assert r.status == 200 and r.json["id"] == "python"


# ---- /execute-test/ --------------------------------------------------------------

def test_execute_test_submit_with_empty_tests(stack, alice):
    r = stack.request("POST", "//execute-test/submit", {"code": C_HELLO, "tests": ""}, key=alice)
    assert r.status == 200, r
    assert r.json["status"] == "success" and r.json["output"] == "Hello, World!\n", r.json


def test_execute_test_submit_with_tests_in_c(stack, alice):
    code = "int add(int a, int b) { return a + b; }\n"
    tests = ("#include <assert.h>\nint add(int, int);\n"
             "void test_add(void) { assert(add(1, 2) == 3); }\n"
             "void test_wrong(void) { assert(add(1, 1) == 3); }\n")
    r = stack.request("POST", "//execute-test/submit", {"code": code, "tests": tests}, key=alice)
    assert r.status == 200, r
    passed = {t["input"] if "input" in t else t.get("name"): t["passed"] for t in r.json["results"]}
    assert sorted(passed.values()) == [False, True], r.json
    assert r.json["all_passed"] is False


def test_execute_test_execute_code(stack, alice):
    r = stack.request("POST", "//execute-test/execute_code", {"code": C_HELLO}, key=alice)
    assert r.status == 200 and r.json["output"] == "Hello, World!\n", r


def test_execute_test_encoded(stack, alice):
    enc = base64.b64encode(C_HELLO.encode()).decode()
    r = stack.request("POST", "//execute-test/encoded", {"code": enc, "tests": ""}, key=alice)
    assert r.status == 200, r
    assert r.json["output"] == "Hello, World!\n", r.json


# ---- /code-execution-engine/execute ---------------------------------------------

CEE_REQUEST = {
    "language": "js",
    "code": "function twoSum(nums, target) {\n  const seen = new Map();\n"
            "  for (let i = 0; i < nums.length; i++) {\n"
            "    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];\n"
            "    seen.set(nums[i], i);\n  }\n  return [];\n}",
    "function_name": "twoSum",
    "imports": [],
    "test_cases": [
        {"input": [[2, 7, 11, 15], 9], "expected_output": [0, 1]},
        {"input": [[3, 2, 4], 6], "expected_output": [1, 2]},
    ],
}


def test_cee_execute_in_its_shape(stack, alice):
    r = stack.request("POST", "//code-execution-engine/execute", CEE_REQUEST, key=alice)
    assert r.status == 200, r
    assert set(r.json) == {"id", "results", "all_passed", "error", "error_details"}, r.json
    assert r.json["all_passed"] is True and r.json["error"] is None
    first = r.json["results"][0]
    assert set(first) == {"input", "expected_output", "actual_output", "passed", "time", "memory"}
    assert first["passed"] is True and first["time"].endswith(" ms")


def test_cee_execute_python_with_imports(stack, alice):
    body = {"language": "python", "code": "def root(x):\n    return math.sqrt(x)\n",
            "function_name": "root", "imports": ["math"],
            "test_cases": [{"input": [16], "expected_output": 4.0}]}
    r = stack.request("POST", "//code-execution-engine/execute", body, key=alice)
    assert r.status == 200 and r.json["all_passed"] is True, r


def test_cee_execute_with_callback_in_its_shape(stack, alice, jobs_worker):
    from test_judge0 import Receiver
    rx = Receiver()
    try:
        body = dict(CEE_REQUEST, callback_url="http://127.0.0.1:%d/done" % rx.port)
        r = stack.request("POST", "//code-execution-engine/execute", body, key=alice)
        assert r.status == 202, r
        assert r.json["message"] == "Code execution task accepted" and r.json["id"]
        got = rx.wait()
    finally:
        rx.close()
    assert got, "no callback arrived"
    method, _, raw = got[0]
    sent = json.loads(raw)
    assert method == "POST"
    assert set(sent) == {"id", "results", "all_passed", "error", "error_details"}, sent
    assert sent["all_passed"] is True and sent["results"][1]["passed"] is True
    assert sent["results"][0]["time"].endswith(" ms")
