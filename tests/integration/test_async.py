"""Async runs through real nginx, the runbox-fcgi pool and runbox-worker:
POST /execute/async and /execute/batch, GET/DELETE /tasks, signed callbacks
with retries, a worker SIGKILLed mid-job, restarts with jobs queued, two users'
200 jobs, and the bad inputs. Callbacks only ever go to a receiver on 127.0.0.1;
the refused URLs are refused at submission, before any connection."""

import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BUILD

WORKER_BIN = os.path.join(BUILD, "worker", "runbox-worker")

# The module's own worker settings: a short lease so a killed worker's job is
# taken over in seconds, a fast poll, quick callback retries.
WORKER_CONF_EXTRA = """
[jobs]
lease_seconds = 5
poll_interval_ms = 100
worker_concurrency = 4

[callbacks]
max_body_kb = 16
"""


class Worker:
    """runbox-worker processes this module runs in place of the stack's own."""

    def __init__(self, stack):
        self.stack = stack
        self.conf = os.path.join(stack.state, "worker-test.conf")
        self.proc = None

    def write_conf(self):
        with open(self.stack.conf) as f:
            base = f.read()
        with open(self.conf, "w") as f:
            f.write(base + WORKER_CONF_EXTRA)

    def start(self):
        assert self.proc is None
        self.write_conf()
        log = open(os.path.join(self.stack.state, "log", "worker-test.log"), "a")
        self.proc = subprocess.Popen([WORKER_BIN, "--config", self.conf], stdout=log,
                                     stderr=log, env=self.stack.env)
        log.close()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        if sig == signal.SIGTERM:
            self.proc.send_signal(sig)  # the second one gives jobs back at once
        self.proc.wait(timeout=30)
        self.proc = None


def stack_worker_pidfile(stack):
    return os.path.join(stack.state, "run", "worker.pid")


def paused_file(stack):
    return os.path.join(stack.state, "run", "worker.paused")


def stop_stack_worker(stack):
    """Stop the stack's worker while this module runs its own: the paused
    file tells the stack's supervisor not to restart it until it is gone."""
    open(paused_file(stack), "w").close()
    try:
        with open(stack_worker_pidfile(stack)) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("the stack's runbox-worker did not stop")


@pytest.fixture(scope="module")
def worker(stack):
    if not os.access(WORKER_BIN, os.X_OK):
        pytest.fail("no runbox-worker at " + WORKER_BIN)
    stop_stack_worker(stack)
    w = Worker(stack)
    w.start()
    yield w
    w.stop()
    os.unlink(paused_file(stack))  # the supervisor starts the stack's worker again


def signing_key(stack, user):
    r = stack.ctl("--json", "key", "create", "--user", user)
    assert r.returncode == 0, r.stderr
    created = json.loads(r.stdout)
    return created["key"], created["signing_secret"]


def submit(stack, key, body):
    r = stack.request("POST", "/execute/async", body, key=key)
    assert r.status == 202, r
    assert r.json["status"] == "queued"
    return r.json["id"]


def await_status(stack, key, task_id, want, timeout=60):
    deadline = time.time() + timeout
    while True:
        r = stack.request("GET", "/tasks/" + task_id, key=key)
        assert r.status == 200, r
        if r.json["status"] == want:
            return r.json
        assert time.time() < deadline, "task %s is %s, not %s" % (task_id, r.json["status"], want)
        time.sleep(0.1)


PY_HELLO = {"language": "python", "code": "print('hi')"}


def py_sleep(seconds, text="ok"):
    return {"language": "python",
            "code": "import time\ntime.sleep(%s)\nprint(%r)" % (seconds, text),
            "limits": {"wall_time_ms": 30000, "cpu_time_ms": 5000}}


# ---- a callback receiver on loopback ----------------------------------------

class Receiver:
    """Answers the i-th POST with statuses[i] (200 after the list), recording each."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    n = len(receiver.requests)
                    receiver.requests.append((dict(self.headers), body, time.time()))
                    status = receiver.statuses[n] if n < len(receiver.statuses) else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def wait_for(self, n, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        pytest.fail("receiver got %d requests, expected %d" % (len(self.requests), n))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def valid_signature(headers, body, secret):
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-Runbox-Signature", ""), expected)


# ---- tests ------------------------------------------------------------------

def test_async_run_polled_to_done(stack, worker, alice):
    task_id = submit(stack, alice, PY_HELLO)
    state = await_status(stack, alice, task_id, "done")
    assert state["result"]["status"] == "success", json.dumps(state["result"])
    assert state["result"]["output"] == "hi\n"
    assert state["result"]["id"] == task_id
    assert state["created_at"] and state["started_at"] and state["finished_at"]
    assert state["callback"] is None
    assert stack.request("GET", "/history/" + task_id, key=alice).status == 200


ISO8601_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_async_run_s_history_record_names_the_post_s_request_id(stack, worker, alice):
    r = stack.request("POST", "/execute/async", PY_HELLO, key=alice)
    assert r.status == 202, r
    rid = r.headers["x-request-id"]
    state = await_status(stack, alice, r.json["id"], "done")
    record = stack.request("GET", "/history/" + r.json["id"], key=alice)
    assert record.status == 200, record
    assert record.json["request_id"] == rid
    # One timestamp format for jobs and history: milliseconds, UTC.
    assert re.fullmatch(ISO8601_MS, state["created_at"]), state
    assert re.fullmatch(ISO8601_MS, record.json["created_at"]), record.json


def test_callback_signed_and_retried_until_delivered(stack, worker):
    key, secret = signing_key(stack, "carol")
    receiver = Receiver([500, 503, 200])
    try:
        task_id = submit(stack, key, dict(PY_HELLO, callback_url=receiver.url))
        got = receiver.wait_for(3, timeout=60)
        time.sleep(0.5)
        state = await_status(stack, key, task_id, "done")
    finally:
        receiver.close()
    assert len(got) == 3
    for headers, body, _ in got:
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Runbox-Delivery"] == task_id
        assert valid_signature(headers, body, secret)
        assert json.loads(body)["id"] == task_id
    assert json.loads(got[2][1]) == state["result"]
    assert got[1][2] > got[0][2] and got[2][2] > got[1][2]  # retried, not repeated at once
    assert state["callback"]["attempts"] == 3
    assert state["callback"]["last_http_status"] == 200
    assert state["callback"]["delivered_at"]


def test_callback_body_capped_polled_result_whole(stack, worker):
    """A 393-byte job once made a 5.2 MB callback, sent again on each retry:
    the body is cut to [callbacks] max_body_kb (16 KB here) and marked; the
    polled result keeps the whole answer."""
    key, _ = signing_key(stack, "dave")
    receiver = Receiver([200])
    body = {"language": "python", "code": "print('z' * 200000)",
            "limits": {"output_kb": 1024}}
    try:
        task_id = submit(stack, key, dict(body, callback_url=receiver.url))
        got = receiver.wait_for(1, timeout=60)
        state = await_status(stack, key, task_id, "done")
    finally:
        receiver.close()
    sent = got[0][1]
    assert len(sent) <= 16 * 1024, len(sent)
    assert json.loads(sent)["truncated"] is True
    assert len(state["result"]["output"]) == 200001


def test_async_jobs_count_against_their_keys_cap(stack, worker, alice, bob):
    """A batch of long jobs from one key once took every sandbox, so another
    key's /execute got 503 after queue_wait_ms: jobs now hold their key's
    slots (below the capacity), and the other key gets a sandbox."""
    r = stack.request("POST", "/execute/batch",
                      {"submissions": [py_sleep(6) for _ in range(4)]}, key=alice)
    assert r.status == 202, r
    ids = [t["id"] for t in r.json["tasks"]]
    await_status(stack, alice, ids[0], "running", timeout=30)
    time.sleep(1.5)
    r = stack.request("POST", "/execute", PY_HELLO, key=bob)
    assert r.status == 200, r
    for task_id in ids:
        stack.request("DELETE", "/tasks/" + task_id, key=alice)


def test_killed_worker_job_finishes_once(stack, worker, alice):
    task_id = submit(stack, alice, py_sleep(3, "survived"))
    await_status(stack, alice, task_id, "running", timeout=30)
    time.sleep(0.5)  # inside the run
    worker.stop(signal.SIGKILL)
    worker.start()
    state = await_status(stack, alice, task_id, "done", timeout=60)
    assert state["result"]["output"] == "survived\n"
    r = stack.request("GET", "/history?limit=100", key=alice)
    assert [run["id"] for run in r.json["items"]].count(task_id) == 1


def test_cancel_queued_and_running(stack, worker, alice):
    worker.stop()
    queued = submit(stack, alice, PY_HELLO)
    r = stack.request("DELETE", "/tasks/" + queued, key=alice)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    worker.start()
    running = submit(stack, alice, py_sleep(20))
    await_status(stack, alice, running, "running", timeout=30)
    t0 = time.time()
    r = stack.request("DELETE", "/tasks/" + running, key=alice)
    assert r.status == 200, r
    assert r.json["status"] == "cancelled", r  # as the README says; once "running"
    state = await_status(stack, alice, running, "cancelled", timeout=10)
    assert time.time() - t0 < 10
    assert state.get("result") is None
    assert await_status(stack, alice, queued, "cancelled")
    assert stack.request("GET", "/history/" + running, key=alice).status == 404


def test_restart_of_pool_and_worker_with_jobs_queued(stack, worker, alice):
    worker.stop()
    ids = [submit(stack, alice, dict(PY_HELLO, code="print(%d)" % i)) for i in range(5)]
    stack.script("stop")
    started = stack.script("start", check=False)
    assert started.returncode == 0, started.stdout + started.stderr
    stop_stack_worker(stack)
    worker.start()
    for i, task_id in enumerate(ids):
        state = await_status(stack, alice, task_id, "done", timeout=60)
        assert state["result"]["output"] == "%d\n" % i


def test_batch_in_order_and_tasks_list(stack, worker, alice, bob):
    subs = [dict(PY_HELLO, code="print(%d)" % i) for i in range(3)]
    r = stack.request("POST", "/execute/batch", {"submissions": subs}, key=alice)
    assert r.status == 202, r
    ids = [t["id"] for t in r.json["tasks"]]
    assert len(ids) == 3 and all(t["status"] == "queued" for t in r.json["tasks"])
    for i, task_id in enumerate(ids):
        assert await_status(stack, alice, task_id, "done")["result"]["output"] == "%d\n" % i
    r = stack.request("GET", "/tasks?ids=" + ",".join(ids), key=alice)
    assert r.status == 200 and [t["id"] for t in r.json["tasks"]] == ids
    r = stack.request("GET", "/tasks?ids=" + ids[0], key=bob)
    assert r.json["tasks"][0]["status"] == "not_found"


def test_two_hundred_jobs_from_two_users_each_once(stack, worker, alice, bob):
    ids = {alice: [], bob: []}
    for key in (alice, bob):
        for b in range(5):
            subs = [dict(PY_HELLO, code="print('%d-%d')" % (b, i)) for i in range(20)]
            r = stack.request("POST", "/execute/batch", {"submissions": subs}, key=key)
            assert r.status == 202, r
            ids[key] += [(t["id"], "%d-%d\n" % (b, i)) for i, t in enumerate(r.json["tasks"])]
    for key, tasks in ids.items():
        for task_id, output in tasks:
            state = await_status(stack, key, task_id, "done", timeout=300)
            assert state["result"]["output"] == output
    for key, tasks in ids.items():
        listed = []
        for offset in range(0, 300, 100):
            r = stack.request("GET", "/history?limit=100&offset=%d" % offset, key=key)
            listed += [run["id"] for run in r.json["items"]]
        for task_id, _ in tasks:
            assert listed.count(task_id) == 1


@pytest.mark.parametrize("url", [
    "not a url", "ftp://example.com/hook", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/", "http://[::1]:9/", "http://0x7f000002/", "file:///etc/passwd",
    # the IANA special-purpose ranges the guard once missed, v4 and v6 forms
    "http://192.0.0.9/", "http://192.0.2.1/", "http://198.18.0.1/", "http://198.19.1.1/",
    "http://198.51.100.1/", "http://203.0.113.1/", "http://[2001:db8::1]/",
    "http://[::ffff:192.0.2.1]/", "http://[64:ff9b::c633:6401]/", "http://[2001::1]/",
    "http://[100::1]/", "http://[3fff::1]/",
    # loopback other than the one address the stack's allow_networks names
    "http://127.0.0.2:9/",
])
def test_refused_callback_urls(stack, alice, url):
    r = stack.request("POST", "/execute/async", dict(PY_HELLO, callback_url=url), key=alice)
    assert r.status == 400, r
    assert r.json["error"]["field"] == "callback_url"


def host_addresses():
    """Every IPv4/IPv6 address of this host's interfaces, loopback excluded."""
    out = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, check=True)
    return [a["local"] for link in json.loads(out.stdout) for a in link.get("addr_info", [])
            if a.get("scope") != "host" and not a["local"].startswith("fe80")]


class ListeningSocket:
    """A bare TCP listener on one of the host's addresses, counting accepts."""

    def __init__(self, address):
        import socket
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((address, 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def accepted(self):
        try:
            conn, _ = self.sock.accept()
            conn.close()
            return True
        except BlockingIOError:
            return False

    def close(self):
        self.sock.close()


def test_callback_to_the_hosts_own_addresses_refused_at_submit(stack, worker, alice):
    """A callback to any of the host's own interface addresses is a 400 on
    callback_url at submission, and nothing ever connects to it."""
    addresses = host_addresses()
    if not addresses:
        pytest.skip("this host has no non-loopback interface address")
    for address in addresses:
        listener = ListeningSocket(address)
        try:
            host = "[%s]" % address if ":" in address else address
            url = "http://%s:%d/x" % (host, listener.port)
            r = stack.request("POST", "/execute/async", dict(PY_HELLO, callback_url=url), key=alice)
            assert r.status == 400, (address, r)
            assert r.json["error"]["field"] == "callback_url"
            time.sleep(1)
            assert not listener.accepted(), address
        finally:
            listener.close()


def test_batch_of_21_and_bad_batches(stack, alice):
    r = stack.request("POST", "/execute/batch", {"submissions": [PY_HELLO] * 21}, key=alice)
    assert r.status == 400 and r.json["error"]["field"] == "submissions", r
    r = stack.request("POST", "/execute/batch", {"submissions": []}, key=alice)
    assert r.status == 400, r
    bad = [PY_HELLO, {"language": "cobol", "code": "x"}]
    r = stack.request("POST", "/execute/batch", {"submissions": bad}, key=alice)
    assert r.status in (400, 422) and r.json["error"]["field"].startswith("submissions[1]"), r


def test_other_users_tasks_are_404(stack, worker, alice, bob):
    task_id = submit(stack, alice, PY_HELLO)
    assert stack.request("GET", "/tasks/" + task_id, key=bob).status == 404
    assert stack.request("DELETE", "/tasks/" + task_id, key=bob).status == 404
    assert stack.request("GET", "/tasks/not-a-uuid", key=alice).status == 404
    assert stack.request("GET", "/tasks/" + str(uuid.uuid4()), key=alice).status == 404
    assert stack.request("GET", "/tasks/" + task_id).status == 401
    await_status(stack, alice, task_id, "done")
