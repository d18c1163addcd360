"""Piston v2 under /piston, driven by the stock npm client `piston-client`
(tests/integration/clients/package.json, installed into the build tree by
the suite's run script) with its
base URL set to http://HOST:PORT/piston and nothing else changed: it sends
no key (the test stack names a key-less user for the dialect), a text/plain
body, `args` of its own and -1 memory limits."""

import json
import os
import shutil
import subprocess

import pytest

# tests/integration/run installs the client into the build tree.
CLIENTS = os.environ.get("RUNBOX_CLIENTS_DIR", "")


def piston_client(stack, spec):
    if not shutil.which("node"):
        pytest.skip("node is not installed (scripts/install-deps installs nodejs)")
    if not os.path.isdir(os.path.join(CLIENTS, "node_modules", "piston-client")):
        pytest.skip("piston-client is not installed (tests/integration/run installs it with npm)")
    server = "http://127.0.0.1:%d/piston" % stack.port
    r = subprocess.run(["node", os.path.join(CLIENTS, "piston_run.mjs"), server, json.dumps(spec)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_runtimes_list_the_installed_toolchains(stack, keyless):
    runtimes = piston_client(stack, {"op": "runtimes"})
    by_language = {r["language"]: r for r in runtimes}
    assert {"python", "c", "cpp", "java", "go", "javascript", "typescript"} <= set(by_language)
    assert "py" in by_language["python"]["aliases"]
    assert by_language["python"]["version"][0].isdigit()


def test_hello_world(stack, keyless):
    out = piston_client(stack, {"op": "execute", "language": "python",
                                "code": "print('Hello, World!')"})
    assert out["language"] == "python"
    assert out["run"]["stdout"] == "Hello, World!\n", out
    assert out["run"]["code"] == 0 and out["run"]["signal"] is None
    assert out["run"]["status"] is None
    assert "compile" not in out


def test_client_default_args_reach_the_program(stack, keyless):
    out = piston_client(stack, {"op": "execute", "language": "python",
                                "code": "import sys; print(sys.argv[1:])"})
    assert out["run"]["stdout"] == "['1', '2', '3']\n", out


def test_compiled_hello_world_has_a_compile_stage(stack, keyless):
    code = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n'
    out = piston_client(stack, {"op": "execute", "language": "c", "code": code})
    assert out["compile"]["code"] == 0, out
    assert out["run"]["stdout"] == "hi\n"


def test_compile_error(stack, keyless):
    out = piston_client(stack, {"op": "execute", "language": "c",
                                "code": "int main(void) { return x; }"})
    assert out["compile"]["code"] != 0, out
    assert "x" in out["compile"]["stderr"] and out["compile"]["output"]
    assert "run" not in out


def test_time_limit(stack, keyless):
    out = piston_client(stack, {"op": "execute", "language": "python",
                                "code": "while True: pass",
                                "config": {"runTimeout": 500}})
    assert out["run"]["status"] == "TO", out
    assert out["run"]["signal"] in ("SIGKILL", None)


def test_java_with_its_public_class(stack, keyless):
    code = ('public class HelloWorld {\n    public static void main(String[] args) {\n'
            '        System.out.println("Hello from Java");\n    }\n}\n')
    out = piston_client(stack, {"op": "execute", "language": "java", "code": code})
    assert out.get("run", {}).get("stdout") == "Hello from Java\n", out


def test_runtime_error_and_stdin(stack, keyless):
    out = piston_client(stack, {"op": "execute", "language": "python",
                                "code": "import sys\nprint(input())\nsys.exit(3)",
                                "config": {"stdin": "echo"}})
    assert out["run"]["stdout"] == "echo\n" and out["run"]["code"] == 3, out
    assert out["run"]["status"] == "RE"


# ---- the documented request shape, sent as Piston's own clients send it -----

def test_execute_with_files_encodings_and_limits(stack, alice):
    body = {"language": "py", "version": "3.x",
            "files": [{"name": "main.py", "content": "import util\nutil.hi()"},
                      {"name": "util.py", "encoding": "base64",
                       "content": "ZGVmIGhpKCk6IHByaW50KCdoZXgnKQ=="}],
            "stdin": "", "args": [], "run_timeout": 3000, "compile_timeout": 10000,
            "run_memory_limit": -1, "compile_memory_limit": -1}
    r = stack.request("POST", "//piston/api/v2/piston/execute/", body,
                      headers={"Authorization": alice})
    assert r.status == 200, r
    assert r.json["run"]["stdout"] == "hex\n", r.json


def test_bearer_key_and_unknown_version(stack, alice):
    body = {"language": "python", "version": "2.7", "files": [{"content": "print(1)"}]}
    r = stack.request("POST", "//piston/api/v2/execute", body, key=alice)
    assert r.status == 400 and "runtime is unknown" in r.json["message"], r


def test_a_wrong_key_is_refused(stack, keyless):
    body = {"language": "python", "version": "*", "files": [{"content": "print(1)"}]}
    r = stack.request("POST", "//piston/api/v2/execute", body,
                      headers={"Authorization": "Bearer rbx_not_a_key"})
    assert r.status == 401 and "message" in r.json, r


def test_memory_limit_in_bytes(stack, alice):
    body = {"language": "python", "version": "*",
            "files": [{"content": "x = bytearray(200 * 1024 * 1024)\nprint(len(x))"}],
            "run_memory_limit": 64 * 1024 * 1024}
    r = stack.request("POST", "//piston/api/v2/execute", body, key=alice)
    assert r.status == 200, r
    assert r.json["run"]["status"] in ("SG", "RE") and r.json["run"]["message"], r.json


def test_piston_runs_are_in_the_callers_history(stack, bob):
    body = {"language": "python", "version": "*", "files": [{"content": "print('mine')"}]}
    r = stack.request("POST", "//piston/api/v2/execute", body, key=bob)
    assert r.status == 200, r
    h = stack.request("GET", "/history?limit=1", key=bob)
    assert h.json["items"] and h.json["items"][0]["language"]["id"] == "python"
