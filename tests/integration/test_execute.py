"""POST /execute beyond hello world: args, files, errors, limits, base64, validate."""

import base64
import json


def test_args_are_argv_not_a_shell(stack, alice):
    code = 'import sys\nprint(sys.argv[1:])\n'
    r = stack.execute(alice, {"language": "python", "code": code,
                              "args": ["--fast", "a b", "$(id)", ";ls"]}, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert r.json["output"] == "['--fast', 'a b', '$(id)', ';ls']\n"


def test_multi_file_python(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "import util\nprint(util.twice(21))\n",
                              "files": [{"name": "util.py",
                                         "content": "def twice(x):\n    return 2 * x\n"}]},
                      retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert r.json["output"] == "42\n"


def test_multi_file_c(stack, alice):
    r = stack.execute(alice, {
        "language": "c",
        "code": '#include <stdio.h>\n#include "add.h"\nint main(void) { printf("%d\\n", add(2, 3)); }\n',
        "files": [{"name": "add.h", "content": "int add(int a, int b);\n"},
                  {"name": "add.c", "content": "int add(int a, int b) { return a + b; }\n"}]},
        retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert r.json["output"] == "5\n"


def test_runtime_error_python(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "raise ValueError('boom')\n"},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "runtime_error"
    assert r.json["exit_code"] == 1
    assert "ValueError: boom" in r.json["error"]


def test_runtime_error_signal_c(stack, alice):
    code = "#include <stddef.h>\nint main(void) { volatile int *p = NULL; return *p; }\n"
    r = stack.execute(alice, {"language": "c", "code": code}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "runtime_error"
    assert r.json["signal"] == "SIGSEGV"


def test_time_limit(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "while True:\n    pass\n",
                              "limits": {"cpu_time_ms": 1000, "wall_time_ms": 3000}},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "time_limit", r


def test_wall_time_limit(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "import time\ntime.sleep(5)\n",
                              "limits": {"wall_time_ms": 800}}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "time_limit", r
    assert r.json["wall_time_ms"] < 2000


def test_memory_limit(stack, alice):
    code = "b = bytearray(300 * 1024 * 1024)\nprint(len(b))\n"
    r = stack.execute(alice, {"language": "python", "code": code,
                              "limits": {"memory_kb": 65536}}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "memory_limit", r


def test_output_limit(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "while True:\n    print('x' * 100)\n",
                              "limits": {"output_kb": 1, "wall_time_ms": 5000}},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "output_limit", r
    assert r.json["truncated"] is True
    assert len(r.json["output"]) <= 1024


def test_base64_in_and_out(stack, alice):
    enc = lambda s: base64.b64encode(s.encode()).decode()
    r = stack.execute(alice, {"language": "python", "code": enc("print(input()[::-1])\n"),
                              "stdin": enc("abc\n"), "base64_encoded": True}, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert base64.b64decode(r.json["output"]) == b"cba\n"


def test_invalid_utf8_output_is_repaired(stack, alice):
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\n"
    r = stack.execute(alice, {"language": "python", "code": code}, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert r.json["output"] == "ok \ufffd\ufffd end\n"


# Overlong '/', a surrogate, a NUL, a stray continuation byte and a truncated
# sequence at the end: each becomes U+FFFD, the truncated one as one unit.
MIXED_BAD = b"a\xc0\xafb\xed\xa0\x80c\x00d\x80e\xe2\x82"
MIXED_REPAIRED = ("a\ufffd\ufffdb\ufffd\ufffd\ufffdc\ufffdd\ufffde\ufffd")


def test_cli_and_engine_repair_utf8_alike(stack, alice, tmp_path):
    """runbox-sandbox's report and the engine's answer once repaired invalid
    UTF-8 differently (the CLI kept NUL bytes and cut a truncated sequence
    byte by byte); both now go through common/utf8.c."""
    import os
    import subprocess
    from conftest import BUILD
    code = "import sys\nsys.stdout.buffer.write(%r)\n" % MIXED_BAD
    r = stack.execute(alice, {"language": "python", "code": code}, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "success", r
    assert r.json["output"] == MIXED_REPAIRED
    work = tmp_path / "work"
    work.mkdir()
    (work / "bad.bin").write_bytes(MIXED_BAD)
    p = subprocess.run([os.path.join(BUILD, "runbox-sandbox"), "--workdir", str(work), "--",
                        "/bin/cat", "/box/bad.bin"], capture_output=True, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert json.loads(p.stdout)["stdout"] == MIXED_REPAIRED


def test_validate_reports_diagnostics_with_lines(stack, alice):
    r = stack.request("POST", "/validate", {"language": "c",
                                             "code": "int main(void) {\n  return nope;\n}\n"},
                      key=alice)
    assert r.status == 200, r
    assert r.json["valid"] is False
    diags = r.json["diagnostics"]
    assert any(d["line"] == 2 and d["column"] > 0 and "nope" in d["message"] for d in diags), r

    r = stack.request("POST", "/validate", {"language": "python", "code": "x = (\n"}, key=alice)
    assert r.status == 200 and r.json["valid"] is False, r
    assert r.json["diagnostics"] and r.json["diagnostics"][0]["line"] >= 1

    r = stack.request("POST", "/validate", {"language": "go",
                                             "code": 'package main\nfunc main() {}\n'},
                      key=alice)
    assert r.status == 200 and r.json["valid"] is True, r
