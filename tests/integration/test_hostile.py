"""What a hostile caller with one key tried against the service around the
sandbox (issue 11), each now held: amplification of a small request into a
huge answer, history row or callback, and the other probes of that review."""

import json

import pytest

PY_MB = "import sys\nsys.stdout.write('x' * 1048576)\n"


def test_answer_and_history_capped_per_request(stack, alice):
    """10 cases of 1 MB each under output_kb 1024: once a 10.5 MB answer from
    a ~500-byte request; now the answer fits max_answer_kb (2048 KB by
    default) and the history record history_max_kb (256 KB), both marked."""
    body = {"language": "python", "code": PY_MB, "limits": {"output_kb": 1024},
            "test_cases": [{"stdin": "", "expected_output": "x"} for _ in range(10)]}
    request_bytes = len(json.dumps(body))
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200, r
    answer_bytes = len(r.raw.encode())
    assert answer_bytes <= 2048 * 1024, answer_bytes
    assert r.json["truncated"] is True
    assert len(r.json["results"]) == 10
    assert all(c["status"] != "success" for c in r.json["results"])
    print("amplification: %d answer bytes / %d request bytes = %.0f"
          % (answer_bytes, request_bytes, answer_bytes / request_bytes))
    h = stack.request("GET", "/history/" + r.json["id"], key=alice)
    assert h.status == 200, h
    assert len(h.raw.encode()) <= 256 * 1024 + 64 * 1024, len(h.raw)  # the request is kept too
    stored = h.json.get("response", h.json)
    assert stored.get("truncated") is True, list(stored)


def test_single_run_answer_capped(stack, alice):
    """One run's stdout and stderr of 1 MB each, under output_kb 1024 (the
    sum is limited): the answer stays within max_answer_kb."""
    code = "import sys\nsys.stdout.write('y' * 600000)\nsys.stderr.write('\\x01' * 600000)\n"
    r = stack.execute(alice, {"language": "python", "code": code,
                              "limits": {"output_kb": 1024}}, retry_busy=True)
    assert r.status == 200, r
    assert len(r.raw.encode()) <= 2048 * 1024, len(r.raw)


def test_one_key_cannot_take_every_sandbox(stack):
    """With as many slow runs from one key as the host has sandboxes, another
    key still gets one: each key's cap is below the capacity. Once the first
    key's runs took all of them and the second key got 503 after
    queue_wait_ms."""
    import os
    import threading
    import time
    grace, heidi = stack.new_key("grace"), stack.new_key("heidi")
    slow = {"language": "python", "code": "import time\ntime.sleep(5)\n",
            "limits": {"wall_time_ms": 10000}, "save_history": False}
    capacity = os.cpu_count() or 1
    if capacity < 2:
        pytest.skip("one sandbox only: it cannot be shared")
    results = []
    lock = threading.Lock()

    def one(key):
        r = stack.execute(key, slow)
        with lock:
            results.append((key, r))

    first = [threading.Thread(target=one, args=(grace,)) for _ in range(capacity)]
    for t in first:
        t.start()
    time.sleep(1.5)  # grace's runs are in their sandboxes
    other = threading.Thread(target=one, args=(heidi,))
    other.start()
    for t in first + [other]:
        t.join()
    mine = [r for k, r in results if k == heidi]
    assert mine and mine[0].status == 200, results
    assert any(k == grace and r.status == 429 for k, r in results), results


def test_nginx_read_timeout_covers_the_longest_request():
    """nginx once gave up at 75 s on a grading request the pool accepted for
    120 s: the client got a 504 while its run held a sandbox. The read
    timeout must cover queue_wait_ms, two compile steps and the whole
    grading budget, as documented in docs/runbox.conf and languages/."""
    import glob
    import os
    import re
    from conftest import TOP
    # The site's API location, the dialects' shared block and the cluster
    # front (which once gave up at 75 s too) must all wait that long.
    timeouts = []
    for name in ("runbox.conf", "runbox-fastcgi.conf", "runbox-cluster.conf"):
        nginx = open(os.path.join(TOP, "nginx", name)).read()
        # The front's /health probe gives up after 3 s on purpose.
        nginx = re.sub(r"location = /api/v1/code/health \{[^}]*\}", "", nginx)
        for kind in ("read", "send"):
            found = re.findall(r"(?:fastcgi|proxy)_%s_timeout (\d+)s;" % kind, nginx)
            assert found, (name, kind)
            timeouts += [(name, kind, int(t)) for t in found]
    read = min(t for _, kind, t in timeouts if kind == "read")
    doc = open(os.path.join(TOP, "docs", "runbox.conf")).read()

    def default(name):
        return int(re.search(r"^#%s = (\d+)$" % name, doc, re.M).group(1))

    compile_ms = max(json.load(open(p))["compile_limits"]["wall_time_ms"]
                     for p in glob.glob(os.path.join(TOP, "languages", "*.json")))
    longest_ms = default("queue_wait_ms") + 2 * compile_ms + max(
        default("max_grading_wall_ms"), default("max_wall_time_ms"))
    assert read * 1000 >= longest_ms, (timeouts, longest_ms)
    assert {t for _, _, t in timeouts} == {read}, timeouts


@pytest.fixture(scope="module")
def slow_rate_stack():
    """A stack of its own whose per-key rate is low enough to be met."""
    import tempfile
    from conftest import Stack, free_port
    s = Stack(tempfile.mkdtemp(prefix="runbox-it-rate-"), free_port())
    s.env["RUNBOX_KEY_RATE"] = "2r/s"
    started = s.script("start", check=False)
    if started.returncode != 0:
        s.script("stop", check=False)
        pytest.fail("the stack did not start:\n" + started.stdout + started.stderr)
    yield s
    s.script("stop", check=False)
    import shutil
    shutil.rmtree(s.state, ignore_errors=True)


def test_rate_limit_keys_on_the_normalised_key(slow_rate_stack):
    """90 spellings of one key (Bearer/bearer/BEARER, extra spaces) once each
    had a bucket of their own and got no 429: they share one now."""
    stack = slow_rate_stack
    key = stack.new_key("ivan")
    spellings = []
    for scheme in ("Bearer", "bearer", "BEARER", "bEaReR", "BeArEr", "beaRER"):
        for before in range(3):
            for between in range(1, 6):
                spellings.append(" " * before + scheme + " " * between + key)
    assert len(spellings) == 90
    statuses = []
    for auth in spellings:
        r = stack.request("GET", "/history?limit=1", headers={"Authorization": auth})
        statuses.append(r.status)
    assert 429 in statuses, statuses
    assert set(statuses) <= {200, 429}, statuses


def test_result_path_left_as_a_directory_is_the_programs_outcome(stack, alice):
    """A function that leaves /box/.rbx_result as a non-empty directory once
    made the next case's cleanup fail with 500 internal_error: now each case
    is the program's outcome (no value recorded: a runtime error)."""
    code = ("import os\n"
            "def f(x):\n"
            "    os.makedirs('/box/.rbx_result/inside', exist_ok=True)\n"
            "    open('/box/.rbx_result/inside/file', 'w').write('x')\n"
            "    return x\n")
    body = {"language": "python", "code": code, "function_name": "f",
            "test_cases": [{"input": [1], "expected_output": 1},
                           {"input": [2], "expected_output": 2}]}
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200, r
    assert [c["status"] for c in r.json["results"]] == ["runtime_error", "runtime_error"], r


@pytest.mark.parametrize("make, argv, code, why", [
    (None, ["/no/such/program"], 127, "No such file"),
    (None, ["/etc/passwd"], 126, "Permission denied"),
    ("notexec", ["/box/prog"], 126, "Permission denied"),
    ("badformat", ["/box/prog"], 126, "Exec format error"),
])
def test_cli_reports_a_program_it_cannot_execute(tmp_path, make, argv, code, why):
    """runbox-sandbox -- /no/such/program once printed no report: a program
    that cannot be executed is an outcome of the run, with the report, exit
    code 127 (not found) or 126 (not executable) as a shell gives, and why."""
    import os
    import subprocess
    from conftest import BUILD
    cli = os.path.join(BUILD, "runbox-sandbox")
    work = tmp_path / "work"
    work.mkdir()
    if make:
        prog = work / "prog"
        prog.write_bytes(b"\x7fELF\x02\x01\x01garbage" if make == "badformat" else b"#!/bin/sh\n")
        prog.chmod(0o755 if make == "badformat" else 0o644)
    p = subprocess.run([cli, "--workdir", str(work), "--", *argv], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    report = json.loads(p.stdout)
    assert report["status"] == "runtime_error"
    assert report["exit_code"] == code
    assert why in report["message"], report


CHECK_LEAK = ("import os\n"
              "EXISTED = os.path.exists('/box/precomputed')\n"
              "open('/box/precomputed', 'w').write('42')\n"
              "def f(x):\n"
              "    return EXISTED\n")


@pytest.mark.parametrize("language, code", [
    ("python", CHECK_LEAK),
    ("javascript", "const fs = require('fs');\n"
                   "const EXISTED = fs.existsSync('/box/precomputed');\n"
                   "fs.writeFileSync('/box/precomputed', '42');\n"
                   "function f(x) { return EXISTED; }\n"),
])
def test_check_step_writes_do_not_reach_the_cases(stack, alice, language, code):
    """Function grading loads the submission once before the cases (--check):
    what that load wrote to /box was kept for every case, so a submission
    could hand its cases a precomputed answer."""
    body = {"language": language, "code": code, "function_name": "f",
            "test_cases": [{"input": [1], "expected_output": False}]}
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200, r
    assert r.json["results"][0]["actual_output"] is False, r.json["results"]


def test_check_step_runs_under_the_requests_limits(stack, alice):
    """The load check once ran under the compile limits (20 s of CPU): a
    submission limited to 500 ms spent seconds there. Now it is stopped at
    the request's limit, and says so."""
    code = ("x = 0\n"
            "for i in range(10 ** 9):\n"
            "    x += i\n"
            "def f(a):\n"
            "    return a\n")
    body = {"language": "python", "code": code, "function_name": "f",
            "limits": {"cpu_time_ms": 500, "wall_time_ms": 2000},
            "test_cases": [{"input": [1], "expected_output": 1}]}
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200, r
    assert r.json["compile"]["status"] == "error", r.json["compile"]
    assert "time limit" in (r.json.get("error") or ""), r.json
    assert r.json["compile"]["time_ms"] < 5000, r.json["compile"]


BIG_STATIC = ("#include <stdio.h>\n"
              "static char big[60 * 1024 * 1024] = {1};\n"
              "int main(void) { long s = 0;\n"
              "  for (long i = 0; i < (long)sizeof(big); i += 4096) s += big[i];\n"
              "  printf(\"%ld\\n\", s); return 0; }\n")


def test_files_in_box_are_charged_to_the_box(stack, alice):
    """A C program with a 60 MB initialised static array once ran under a
    16 MB limit with 62 MB resident and reported memory_kb 568: the files
    copied into /box count against the box now."""
    r = stack.execute(alice, {"language": "c", "code": BIG_STATIC,
                              "limits": {"memory_kb": 16384}}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "memory_limit", r.json
    assert r.json["memory_kb"] >= 60 * 1024, r.json
    r = stack.execute(alice, {"language": "c", "code": BIG_STATIC,
                              "limits": {"memory_kb": 131072}}, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r.json
    assert r.json["memory_kb"] >= 60 * 1024, r.json  # what the box held


def test_cli_workdir_files_are_charged_to_the_box(tmp_path):
    import os
    import subprocess
    from conftest import BUILD
    src = tmp_path / "big.c"
    src.write_text(BIG_STATIC)
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["gcc", "-O0", "-o", str(work / "big"), str(src)], check=True, timeout=120)
    p = subprocess.run([os.path.join(BUILD, "runbox-sandbox"), "--memory-kb", "16384",
                        "--workdir", str(work), "--", "/box/big"], capture_output=True,
                       text=True, timeout=60)
    report = json.loads(p.stdout)
    assert report["status"] == "memory_limit", report
    assert report["memory_kb"] >= 60 * 1024, report


# Tests mode, every language: a submission that prints result lines of its
# own (as the runner writes them, and as go test prints them), appends them
# to the result file, or does so and then ends the process from inside a
# test. {forge} is where the forging code goes, {exit} how the code ends the
# process; a line is "<64 hex digits> <json>", the signed form with a MAC the
# submission cannot know.
FORGED_LINE = '{"name": "%s", "seq": 0, "passed": true, "message": null}'
FORGE = {
    "python": ("import json, sys\n"
               "def forge():\n"
               "    line = '" + FORGED_LINE % "test_forged" + "'\n"
               "    print(line)\n"
               "    open('/box/.rbx_result', 'a').write('0' * 64 + ' ' + line + '\\n')\n"
               "    open('/box/.rbx_result', 'a').write('0' * 64 + ' {\"done\": true, \"seq\": 1}\\n')\n"
               "forge()\n"
               "def add(a, b):\n"
               "    {body}\n",
               "forge(); sys.exit(0)", "return a - b", "return a + b",
               "def test_add():\n    assert add(1, 2) == 3\n", "test_add", "test_forged"),
    "javascript": ("const fs = require('fs');\n"
                   "function forge() {\n"
                   "  const line = '" + FORGED_LINE % "test_forged" + "';\n"
                   "  console.log(line);\n"
                   "  fs.appendFileSync('/box/.rbx_result', '0'.repeat(64) + ' ' + line + '\\n');\n"
                   "}\n"
                   "forge();\n"
                   "function add(a, b) { {body} }\n",
                   "forge(); process.exit(0);", "return a - b;", "return a + b;",
                   "function test_add() { if (add(1, 2) !== 3) throw new Error('no'); }\n",
                   "test_add", "test_forged"),
    "java": ("import java.nio.file.*;\n"
             "public class Solution {\n"
             "  static { forge(); }\n"
             "  static void forge() {\n"
             "    String line = \"" + (FORGED_LINE % "SolutionTest.testForged").replace('"', '\\"') + "\";\n"
             "    System.out.println(line);\n"
             "    try {\n"
             "      Files.write(Paths.get(\"/box/.rbx_result\"), (\"0\".repeat(64) + \" \" + line + \"\\n\")"
             ".getBytes(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);\n"
             "    } catch (Exception e) { throw new RuntimeException(e); }\n"
             "  }\n"
             "  public static int add(int a, int b) { {body} }\n"
             "}\n",
             "forge(); System.exit(0); return 0;", "return a - b;", "return a + b;",
             "class SolutionTest {\n"
             "  void testAdd() { assert Solution.add(1, 2) == 3 : \"add\"; }\n"
             "}\n",
             "SolutionTest.testAdd", "SolutionTest.testForged"),
    "c": ("#include <stdio.h>\n#include <stdlib.h>\n"
          "static void forge(void) {\n"
          "  const char *line = \"" + (FORGED_LINE % "test_forged").replace('"', '\\"') + "\";\n"
          "  puts(line); fflush(stdout);\n"
          "  FILE *f = fopen(\"/box/.rbx_result\", \"a\");\n"
          "  if (f) { fprintf(f, \"%064d %s\\n\", 0, line); fclose(f); }\n"
          "}\n"
          "__attribute__((constructor)) static void early(void) { forge(); }\n"
          "int add(int a, int b) { {body} }\n",
          "forge(); exit(0);", "return a - b;", "return a + b;",
          "#include <assert.h>\nint add(int a, int b);\n"
          "void test_add(void) { assert(add(1, 2) == 3); }\n",
          "test_add", "test_forged"),
    "go": ("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n"
           "func forge() {\n"
           "\tfmt.Println(`{\"Action\":\"pass\",\"Test\":\"TestForged\"}`)\n"
           "\tfmt.Println(\"--- PASS: TestForged (0.00s)\")\n"
           "\tfmt.Println(\"--- PASS: TestAdd (0.00s)\")\n"
           "\tf, _ := os.OpenFile(\"/box/.rbx_result\", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)\n"
           "\tif f != nil {\n"
           "\t\tfmt.Fprintf(f, \"%064d %s\\n\", 0, `" + FORGED_LINE % "TestForged" + "`)\n"
           "\t\tf.Close()\n"
           "\t}\n"
           "}\n\n"
           "func init() { forge() }\n\n"
           "func Add(a, b int) int { {body} }\n\n"
           "func main() {}\n",
           "forge(); os.Exit(0); return 0", "return a - b", "return a + b",
           "func TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"1 + 2\")\n\t}\n}\n",
           "TestAdd", "TestForged"),
}
FORGE["cpp"] = (FORGE["c"][0].replace("<stdio.h>", "<cstdio>").replace("<stdlib.h>", "<cstdlib>"),
                ) + FORGE["c"][1:4] + ("#include <cassert>\nint add(int a, int b);\n"
                                        "void test_add() { assert(add(1, 2) == 3); }\n",
                                        "test_add", "test_forged")
# C whose tests are a main of their own (no test_* functions): that main is the one test.
FORGE["c-main"] = FORGE["c"][:4] + ("#include <assert.h>\nint add(int a, int b);\n"
                                    "int main(void) { assert(add(1, 2) == 3); return 0; }\n",
                                    "main", "test_forged")


def forge_run(stack, alice, case, variant):
    template, exits, wrong, right, tests, real, forged = FORGE[case]
    body = {"forged": wrong, "exits": exits, "honest": right}[variant]
    code = template.replace("{body}", body)
    language = case.split("-")[0]
    r = stack.execute(alice, {"language": language, "code": code, "tests": tests},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] != "compile_error", r.json
    return r.json, real, forged


@pytest.mark.parametrize("case", sorted(FORGE))
def test_tests_mode_result_lines_cannot_be_forged(stack, alice, case):
    """In tests mode the submission shares a process with its tests: once it
    could write or print result lines of its own and pass (in Java, C, C++
    and Go until now). Each real line is now signed with a secret the harness
    took before the submission's code could run."""
    out, real, forged = forge_run(stack, alice, case, "forged")
    names = [t["name"] for t in out["results"]]
    assert forged not in names, out["results"]
    assert any(t["name"] == real and not t["passed"] for t in out["results"]), out
    assert out["all_passed"] is False and out["status"] != "success", out


@pytest.mark.parametrize("case", sorted(FORGE))
def test_tests_mode_exit_after_forging_fails(stack, alice, case):
    """The submission forges its lines and then ends the process, status 0,
    from inside the test: the test it cut short is not a pass (the runner's
    signed end line, or in C and C++ the test's child handing back its
    token, never came)."""
    out, real, forged = forge_run(stack, alice, case, "exits")
    assert not any(t["passed"] for t in out["results"] if t["name"] in (real, forged)), out
    assert out["all_passed"] is False and out["status"] != "success", out
    assert any(not t["passed"] and t["message"] for t in out["results"]), out


@pytest.mark.parametrize("case", sorted(FORGE))
def test_tests_mode_honest_submission_passes(stack, alice, case):
    """The control: the same forging code around a right answer, and no exit.
    The real test passes, alone."""
    out, real, forged = forge_run(stack, alice, case, "honest")
    assert [(t["name"], t["passed"]) for t in out["results"]] == [(real, True)], out
    assert out["all_passed"] is True and out["status"] == "success", out


def test_client_that_hangs_up_releases_its_sandbox(stack):
    """A client that closes its connection mid-run once left its run holding
    the key's slot and a sandbox until the run ended: the run is stopped now,
    and the key runs again at once."""
    import os
    import socket
    import time
    key = stack.new_key("judy")
    per_key = max(1, min(3, (os.cpu_count() or 1) - 1))
    slow = json.dumps({"language": "python", "code": "import time\ntime.sleep(25)\n",
                       "limits": {"wall_time_ms": 30000}, "save_history": False}).encode()
    socks = []
    for _ in range(per_key):
        s = socket.create_connection(("127.0.0.1", stack.port), timeout=10)
        s.sendall(b"POST /api/v1/code/execute HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + key.encode() + b"\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(slow)
                  + slow)
        socks.append(s)
    time.sleep(3)  # the runs are in their sandboxes
    busy = stack.request("POST", "/execute", {"language": "python", "code": "print(1)"},
                         key=key)
    assert busy.status == 429, busy  # the key's slots are all held
    for s in socks:
        s.close()
    t0 = time.time()
    while True:
        r = stack.request("POST", "/execute", {"language": "python", "code": "print(1)"},
                          key=key)
        if r.status == 200:
            break
        assert time.time() - t0 < 10, r  # once: 429 for the 25 s of the abandoned runs
        time.sleep(0.5)


def runs_by_verdict(stack, verdict):
    from prometheus_client.parser import text_string_to_metric_families
    r = stack.request("GET", "/metrics")
    assert r.status == 200, r
    return sum(s.value for f in text_string_to_metric_families(r.raw) for s in f.samples
               if s.name == "runbox_runs_total" and s.labels.get("verdict") == verdict)


def test_run_stopped_for_a_client_that_left_is_cancelled(stack):
    """A run stopped because its client hung up was recorded as an
    internal_error and counted as one in /metrics; it is "cancelled" now,
    in the history and in runbox_runs_total, and no internal error."""
    import socket
    import time
    key = stack.new_key("cancel")
    internal_before = runs_by_verdict(stack, "internal_error")
    cancelled_before = runs_by_verdict(stack, "cancelled")
    slow = json.dumps({"language": "python", "code": "import time\ntime.sleep(25)\n",
                       "limits": {"wall_time_ms": 30000}}).encode()
    s = socket.create_connection(("127.0.0.1", stack.port), timeout=10)
    s.sendall(b"POST /api/v1/code/execute HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + key.encode() + b"\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(slow)
              + slow)
    time.sleep(3)  # the run is in its sandbox
    s.close()
    t0 = time.time()
    while True:
        h = stack.request("GET", "/history", key=key)
        assert h.status == 200, h
        items = h.json.get("items", h.json.get("history", []))
        if items:
            break
        assert time.time() - t0 < 20, h  # once the 25 s of the run had to pass
        time.sleep(0.5)
    assert [i["status"] for i in items] == ["cancelled"], items
    while runs_by_verdict(stack, "cancelled") < cancelled_before + 1:
        assert time.time() - t0 < 30, stack.request("GET", "/metrics").raw
        time.sleep(0.5)
    assert runs_by_verdict(stack, "internal_error") == internal_before
