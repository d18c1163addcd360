"""Judge0 CE under /judge0, through a client written from Judge0's API docs
(judge0_client.py) whose base URL is http://HOST:PORT/judge0: wait, poll,
batch, base64, fields, statuses, the information routes, errors as Judge0
gives them, and the run in the caller's history."""

import time

import pytest

from judge0_client import Judge0, Judge0Error

C_HELLO = ('#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf("%s", name);\n'
           '  printf("hello, %s\\n", name);\n  return 0;\n}')


@pytest.fixture(scope="module")
def judge0(stack, alice, jobs_worker):
    return Judge0("http://127.0.0.1:%d/judge0" % stack.port, auth_token=alice)


def test_hello_world_with_wait(judge0):
    out = judge0.create({"source_code": C_HELLO, "language_id": 50, "stdin": "Judge0",
                         "expected_output": "hello, Judge0"}, wait=True)
    assert out["status"] == {"id": 3, "description": "Accepted"}, out
    assert out["stdout"] == "hello, Judge0\n"
    assert set(out) == {"token", "time", "memory", "stdout", "stderr", "compile_output",
                        "message", "status"}
    assert out["stderr"] is None and out["compile_output"] is None
    assert float(out["time"]) >= 0 and isinstance(out["memory"], int)


def test_wrong_answer(judge0):
    out = judge0.create({"source_code": "print('no')", "language_id": 71,
                         "expected_output": "yes"}, wait=True)
    assert out["status"]["id"] == 4, out


def test_compile_error(judge0):
    out = judge0.create({"source_code": "int main(void) { return x; }", "language_id": 50},
                        wait=True)
    assert out["status"] == {"id": 6, "description": "Compilation Error"}, out
    assert "x" in out["compile_output"]


def test_time_limit(judge0):
    out = judge0.create({"source_code": "while True: pass", "language_id": 71,
                         "cpu_time_limit": 1, "wall_time_limit": 3}, wait=True)
    assert out["status"] == {"id": 5, "description": "Time Limit Exceeded"}, out


def test_runtime_errors_by_signal_and_exit_code(judge0):
    segv = judge0.create({"source_code": "int main(void) { return *(volatile int *)0; }",
                          "language_id": 50}, wait=True, fields="status,exit_signal")
    assert segv["status"]["id"] == 7 and segv["exit_signal"] == 11, segv
    nzec = judge0.create({"source_code": "import sys; sys.exit(3)", "language_id": 71},
                         wait=True, fields="status,exit_code,message")
    assert nzec["status"]["id"] == 11 and nzec["exit_code"] == 3, nzec


def test_memory_limit_maps_to_a_runtime_error_with_the_reason(judge0):
    out = judge0.create({"source_code": "x = bytearray(400 * 1024 * 1024)",
                         "language_id": 71, "memory_limit": 65536}, wait=True)
    assert 7 <= out["status"]["id"] <= 12, out
    assert "memory" in out["message"].lower()


def test_poll_a_token(judge0):
    created = judge0.create({"source_code": "print(input()[::-1])", "language_id": 71,
                             "stdin": "abc"})
    assert set(created) == {"token"}
    out = judge0.wait_for(created["token"])
    assert out["status"]["id"] == 3 and out["stdout"] == "cba\n", out
    assert out["token"] == created["token"]


def test_base64_both_ways(judge0):
    created = judge0.create({"source_code": "import sys; sys.stdout.buffer.write(b'\\xfe\\n')",
                             "language_id": 92}, base64_encoded=True)
    raw = judge0._call("GET", "/submissions/" + created["token"],
                       {"base64_encoded": "true"})[1]
    while raw["status"]["id"] in (1, 2):
        raw = judge0._call("GET", "/submissions/" + created["token"],
                           {"base64_encoded": "true"})[1]
    assert raw["stdout"] == "/go=", raw  # b'\xfe\n', kept byte for byte
    waited = judge0.create({"source_code": "print(input())", "language_id": 71,
                            "stdin": "über"}, wait=True, base64_encoded=True)
    assert waited["stdout"] == "über\n", waited


def test_fields(judge0):
    out = judge0.create({"source_code": "print(1)", "language_id": 71}, wait=True,
                        fields="stdout,status_id,language_id,exit_code,wall_time")
    assert set(out) == {"stdout", "status_id", "language_id", "exit_code", "wall_time"}, out
    assert out["status_id"] == 3 and out["language_id"] == 71 and out["exit_code"] == 0
    every = judge0.get(out.get("token") or judge0.create(
        {"source_code": "print(2)", "language_id": 71}, wait=True)["token"], fields="*")
    for key in ("source_code", "language_id", "stdin", "status", "language", "created_at",
                "finished_at", "time", "memory", "exit_code", "token"):
        assert key in every, key
    assert every["source_code"] == "print(2)"
    with pytest.raises(Judge0Error) as e:
        judge0.get(every["token"], fields="stdout,no_such_field")
    assert e.value.status == 400


def test_batch(judge0):
    tokens = judge0.create_batch([
        {"source_code": "print('a')", "language_id": 71},
        {"source_code": "console.log('b')", "language_id": 63},
        {"source_code": C_HELLO, "language_id": 103, "stdin": "c"},
    ])
    assert len(tokens) == 3 and all(set(t) == {"token"} for t in tokens)
    ids = [t["token"] for t in tokens]
    for _ in range(300):
        subs = judge0.get_batch(ids, fields="token,stdout,status")
        if all(s["status"]["id"] not in (1, 2) for s in subs):
            break
        time.sleep(0.2)
    assert [s["stdout"] for s in subs] == ["a\n", "b\n", "hello, c\n"], subs
    assert [s["token"] for s in subs] == ids


def test_batch_with_an_invalid_submission(judge0):
    out = judge0.create_batch([{"source_code": "print(1)", "language_id": 71},
                               {"source_code": "print(1)", "language_id": 99999}])
    assert "token" in out[0] and out[1] == {"language_id":
                                            ["language with id 99999 doesn't exist"]}, out


def test_errors_as_judge0_gives_them(judge0, stack):
    with pytest.raises(Judge0Error) as e:
        judge0.create({"source_code": "print(1)"}, wait=True)
    assert e.value.status == 422 and e.value.body == {"language_id": ["can't be blank"]}
    with pytest.raises(Judge0Error) as e:
        judge0.create({"source_code": "print(1)", "language_id": 71, "wall_time_limit": 100000})
    assert e.value.status == 422 and "wall_time_limit" in e.value.body, e.value.body
    with pytest.raises(Judge0Error) as e:
        judge0.get("00000000-0000-4000-8000-000000000000")
    assert e.value.status == 404
    wrong = Judge0("http://127.0.0.1:%d/judge0" % stack.port, auth_token="rbx_wrong")
    with pytest.raises(Judge0Error) as e:
        wrong.create({"source_code": "print(1)", "language_id": 71}, wait=True)
    assert e.value.status == 401


def test_without_a_key_the_keyless_user_runs_it(stack, keyless):
    anonymous = Judge0("http://127.0.0.1:%d/judge0" % stack.port)
    out = anonymous.create({"source_code": "print('anon')", "language_id": 71}, wait=True)
    assert out["stdout"] == "anon\n"
    h = stack.request("GET", "/history?limit=1", key=keyless)
    assert h.json["items"][0]["id"] == out["token"]


def test_languages_statuses_and_information(judge0):
    langs = {l["id"]: l["name"] for l in judge0.languages()}
    assert {50, 54, 60, 62, 63, 71, 74} <= set(langs)
    assert langs[71].startswith("Python (3.")
    assert judge0.language(62)["source_file"] == "Main.java"
    assert judge0.language(91)["name"].startswith("Java (")  # a CE 1.14 id
    statuses = judge0.statuses()
    assert len(statuses) == 14 and statuses[10] == {"id": 11, "description":
                                                    "Runtime Error (NZEC)"}
    assert judge0.about()["version"] == "1.13.1"
    cfg = judge0.config_info()
    for key in ("enable_wait_result", "max_queue_size", "cpu_time_limit", "max_cpu_time_limit",
                "memory_limit", "max_memory_limit", "enable_batched_submissions",
                "max_submission_batch_size", "enable_callbacks", "enable_network"):
        assert key in cfg, key
    assert cfg["max_submission_batch_size"] == 20
    assert "CPU(s)" in judge0.system_info()
    assert judge0.workers()[0]["queue"] == "default"


def test_ce_1_14_ids_run_the_same_languages(judge0):
    out = judge0.create({"source_code": "print(7)", "language_id": 100}, wait=True)
    assert out["stdout"] == "7\n", out


def test_redirect_stderr_to_stdout_with_wait(judge0):
    code = "import sys\nprint('out')\nsys.stdout.flush()\nprint('err', file=sys.stderr)"
    out = judge0.create({"source_code": code, "language_id": 71,
                         "redirect_stderr_to_stdout": True}, wait=True)
    assert out["stdout"] == "out\nerr\n" and out["stderr"] is None, out


class Receiver:
    """A callback receiver on loopback: records each request's method, path and body."""

    def __init__(self):
        import http.server
        import threading
        got = self.got = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                n = int(self.headers.get("Content-Length", "0"))
                got.append((self.command, self.path, self.rfile.read(n)))
                self.send_response(200)
                self.end_headers()
            do_PUT = do_POST = _record

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n=1, timeout=90):
        deadline = time.time() + timeout
        while len(self.got) < n and time.time() < deadline:
            time.sleep(0.1)
        return self.got

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_callback_is_a_put_of_the_submission(judge0):
    import base64
    import json
    rx = Receiver()
    try:
        created = judge0.create({"source_code": "print('called back')", "language_id": 71,
                                 "callback_url": "http://127.0.0.1:%d/judge0-hook" % rx.port})
        got = rx.wait()
    finally:
        rx.close()
    assert got, "no callback arrived"
    method, path, body = got[0]
    assert method == "PUT" and path == "/judge0-hook"
    sub = json.loads(body)
    assert sub["token"] == created["token"]
    assert sub["status"] == {"id": 3, "description": "Accepted"}
    assert base64.b64decode(sub["stdout"]) == b"called back\n"  # Judge0 sends base64
    assert set(sub) == {"token", "time", "memory", "stdout", "stderr", "compile_output",
                        "message", "status"}
