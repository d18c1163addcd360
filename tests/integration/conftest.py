"""Session fixture: a real stack (nginx + the runbox-fcgi pool, through
scripts/stack) on a free loopback port with a temporary state dir, and API keys
made with runboxctl. HTTP with the standard library only."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import openapi

TOP = os.environ.get("RUNBOX_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("RUNBOX_BUILD") or os.path.join(TOP, "build", "default")
API = "/api/v1/code"
# The user key-less Judge0 and Piston requests run as on the test stack.
KEYLESS_USER = "keyless-dialects"
# The one origin the test stack lets call it across origins (cors_origins).
CORS_ORIGIN = "https://app.example.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def error_code(self):
        return (self.json or {}).get("error", {}).get("code")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Stack:
    def __init__(self, state, port):
        self.state = state
        self.port = port
        # The suite sends hundreds of requests a second from one loopback
        # client (polling tasks, bad-input tables): nginx's per-key and
        # per-client rates are raised so that they test the API, not nginx.
        self.env = dict(os.environ, RUNBOX_STATE_DIR=state, RUNBOX_PORT=str(port),
                        RUNBOX_BUILD=BUILD, RUNBOX_WORKERS="6",
                        RUNBOX_MAX_RUNS_PER_KEY="3", RUNBOX_QUEUE_WAIT_MS="3000",
                        RUNBOX_KEY_RATE="1000r/s", RUNBOX_CLIENT_RATE="2000r/s",
                        RUNBOX_KEYLESS_USER=KEYLESS_USER, RUNBOX_CORS_ORIGINS=CORS_ORIGIN)
        self.conf = os.path.join(state, "runbox.conf")

    def script(self, *args, check=True):
        return subprocess.run([os.path.join(TOP, "scripts", "stack"), *args], env=self.env,
                              check=check, capture_output=True, text=True, timeout=180)

    def ctl(self, *args):
        return subprocess.run([os.path.join(BUILD, "ctl", "runboxctl"), "--config", self.conf,
                               *args], env=self.env, capture_output=True, text=True,
                              timeout=60)

    def new_key(self, user):
        return self.script("key", user).stdout.strip()

    def master_pid(self):
        with open(os.path.join(self.state, "run", "fcgi.pid")) as f:
            return int(f.read().split()[0])

    def request(self, method, path, body=None, key=None, headers=None, timeout=120):
        """path is relative to the API base unless it starts with '//'."""
        hdrs = dict(headers or {})
        if key is not None:
            hdrs.setdefault("Authorization", "Bearer " + key)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        url = path[1:] if path.startswith("//") else API + path
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, url, body=body, headers=hdrs)
            r = conn.getresponse()
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()},
                            r.read().decode("utf-8", "replace"))
        finally:
            conn.close()
        # Every native answer must fit docs/openapi.yaml (openapi.py); the
        # dialects' answers (/judge0, /piston, the seed platforms' routes) are
        # in their platforms' shapes, which their own suites check.
        if url.startswith(API):
            openapi.document().check(method, url, resp.status, resp.json, resp.raw)
        return resp

    def execute(self, key, body, retry_busy=False):
        """POST /execute; with retry_busy, 429/503 are retried after Retry-After,
        as a well-behaved client does."""
        for _ in range(60):
            r = self.request("POST", "/execute", body, key=key)
            if not (retry_busy and r.status in (429, 503)):
                return r
            time.sleep(float(r.headers.get("retry-after", "1")))
        return r

    def healthy(self):
        r = self.request("GET", "/health")
        return r.status == 200 and r.json.get("status") == "ok"


@pytest.fixture(scope="session")
def stack():
    state = tempfile.mkdtemp(prefix="runbox-it-")
    s = Stack(state, free_port())
    started = s.script("start", check=False)
    if started.returncode != 0:
        s.script("stop", check=False)
        pytest.fail("the stack did not start:\n" + started.stdout + started.stderr)
    yield s
    s.script("stop", check=False)
    log_path = os.path.join(state, "log", "fcgi.log")
    log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
    shutil.rmtree(state, ignore_errors=True)
    # A sanitizer build reports memory errors in the pool's log: they fail the run.
    assert "Sanitizer" not in log and "runtime error:" not in log, log[-4000:]


@pytest.fixture(scope="session")
def alice(stack):
    return stack.new_key("alice")


@pytest.fixture(scope="session")
def bob(stack):
    return stack.new_key("bob")


@pytest.fixture(scope="module")
def jobs_worker(stack):
    """A runbox-worker for a module's async jobs: the stack's own while it
    runs, else (test_async stops that one for good) one for this module."""
    if os.path.exists(os.path.join(stack.state, "run", "worker.pid")):
        yield None
        return
    from test_async import Worker
    w = Worker(stack)
    w.start()
    yield w
    w.stop()


@pytest.fixture(scope="session")
def keyless(stack):
    """The key of the dialects' key-less user (whose history their runs join)."""
    return stack.new_key(KEYLESS_USER)


@pytest.fixture(autouse=True)
def service_stays_healthy(request):
    """Every test leaves the service answering /health."""
    yield
    if "stack" in request.fixturenames:
        st = request.getfixturevalue("stack")
        assert st.healthy(), "/health is not ok after the test"
