#!/usr/bin/env python3
"""Nothing stalls (issue 16), measured on a stack of its own (scripts/stack,
2 pool workers, on a free loopback port; run by hand, not by make check):

  callbacks  10 plain async jobs, alone and while 5 other jobs' callbacks
             each take 8 s to answer, in interleaved rounds: the time until
             all 10 are done, and the ratio loaded / alone.
  overload   /health alone (idle, 5 s), then 50 clients POSTing /execute
             against 2 workers for 20 s while /health is polled: /health p50
             and p99 in both phases, and every /execute answer checked: 200
             within queue_wait_ms + its run time (+ 1 s of slack for nginx
             and the client), or 503 with Retry-After.

  RUNBOX_BUILD  build tree (default build/default)
  ROUNDS        callback rounds of each kind (default 3)
  DURATION      overload seconds (default 20)
  CLIENTS       overload clients (default 50)
"""

import http.client
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUEUE_WAIT_MS = 5000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="runbox-bench-rel-")
        self.port = free_port()
        self.env = dict(os.environ, RUNBOX_STATE_DIR=os.path.join(self.work, "state"),
                        RUNBOX_PORT=str(self.port), RUNBOX_WORKERS="2",
                        RUNBOX_QUEUE_WAIT_MS=str(QUEUE_WAIT_MS),
                        RUNBOX_KEY_RATE="100000r/s", RUNBOX_CLIENT_RATE="100000r/s",
                        RUNBOX_CLIENT_CONN="200",
                        RUNBOX_BUILD=os.environ.get("RUNBOX_BUILD",
                                                    os.path.join(TOP, "build", "default")))

    def script(self, *args):
        return subprocess.run([os.path.join(TOP, "scripts", "stack"), *args], env=self.env,
                              check=True, capture_output=True, text=True).stdout

    def request(self, method, path, body=None, key=None, timeout=120):
        headers = {}
        if key:
            headers["Authorization"] = "Bearer " + key
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, "/api/v1/code" + path, body=body, headers=headers)
            r = c.getresponse()
            raw = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), raw
        finally:
            c.close()


# ---- callbacks ----------------------------------------------------------------

class SlowReceiver(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(8)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def submit(stack, key, code, callback=None):
    body = {"language": "python", "code": code}
    if callback:
        body["callback_url"] = callback
    status, _, raw = stack.request("POST", "/execute/async", body, key=key)
    assert status == 202, raw
    return json.loads(raw)["id"]


def wait_done(stack, key, ids):
    pending = set(ids)
    while pending:
        q = ",".join(sorted(pending))
        _, _, raw = stack.request("GET", "/tasks?ids=" + q, key=key)
        for t in json.loads(raw)["tasks"]:
            if t["status"] in ("done", "cancelled"):
                pending.discard(t["id"])
        time.sleep(0.02)


def callback_round(stack, key, slow_url):
    if slow_url:
        slow = [submit(stack, key, "print('slow')", slow_url) for _ in range(5)]
        wait_done(stack, key, slow)  # their callbacks are now being delivered
    start = time.monotonic()
    plain = [submit(stack, key, "print('plain')") for _ in range(10)]
    wait_done(stack, key, plain)
    return time.monotonic() - start


def bench_callbacks(stack, rounds):
    receiver = SlowReceiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    slow_url = "http://127.0.0.1:%d/hook" % receiver.server_address[1]
    key = stack.script("key", "callbacks").strip()
    alone, loaded = [], []
    for _ in range(rounds):
        alone.append(callback_round(stack, key, None))
        loaded.append(callback_round(stack, key, slow_url))
    a, b = statistics.median(alone), statistics.median(loaded)
    print("== callbacks: 10 plain jobs, alone vs while 5 callbacks take 8 s (%d rounds each)"
          % rounds)
    print("alone:  median %.2f s  (%s)" % (a, " ".join("%.2f" % x for x in alone)))
    print("loaded: median %.2f s  (%s)" % (b, " ".join("%.2f" % x for x in loaded)))
    print("ratio loaded/alone: %.2f; target: loaded under 2 s: %s"
          % (b / a, "met" if max(loaded) < 2 else "NOT met"))
    receiver.shutdown()


# ---- overload -----------------------------------------------------------------

def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def poll_health(stack, until, out):
    while time.monotonic() < until:
        t = time.monotonic()
        status, _, _ = stack.request("GET", "/health", timeout=30)
        out.append((time.monotonic() - t, status))
        time.sleep(0.05)


def client(stack, key, until, out):
    code = "import time\ntime.sleep(0.1)\nprint('x')\n"
    while time.monotonic() < until:
        t = time.monotonic()
        try:
            status, headers, raw = stack.request("POST", "/execute",
                                                 {"language": "python", "code": code}, key=key)
        except OSError as e:
            out.append(("error", time.monotonic() - t, str(e)))
            continue
        took = time.monotonic() - t
        if status == 200:
            run_s = json.loads(raw)["wall_time_ms"] / 1000.0
            out.append(("ok", took, run_s))
        else:
            out.append((status, took, headers.get("retry-after")))
            if status in (429, 503):
                time.sleep(min(float(headers.get("retry-after", "1")), 1.0))


def bench_overload(stack, duration, clients):
    idle = []
    poll_health(stack, time.monotonic() + 5, idle)
    keys = [stack.script("key", "load%d" % i).strip() for i in range(clients)]
    until = time.monotonic() + duration
    health, answers = [], []
    threads = [threading.Thread(target=poll_health, args=(stack, until, health))]
    threads += [threading.Thread(target=client, args=(stack, k, until, answers)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h_idle = [d for d, _ in idle]
    h_load = [d for d, _ in health]
    print("== overload: %d clients against 2 workers for %d s, queue_wait_ms %d"
          % (clients, duration, QUEUE_WAIT_MS))
    print("/health idle:  p50 %.1f ms  p99 %.1f ms  (%d polls)"
          % (1000 * percentile(h_idle, 50), 1000 * percentile(h_idle, 99), len(h_idle)))
    print("/health load:  p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d polls, statuses %s)"
          % (1000 * percentile(h_load, 50), 1000 * percentile(h_load, 99),
             1000 * max(h_load), len(h_load), sorted(set(s for _, s in health))))
    print("/health p99 load/idle: %.2f; target p99 under 100 ms: %s"
          % (percentile(h_load, 99) / percentile(h_idle, 99),
             "met" if percentile(h_load, 99) < 0.1 else "NOT met"))
    ok = [a for a in answers if a[0] == "ok"]
    shed = [a for a in answers if a[0] == 503]
    late = [a for a in ok if a[1] > QUEUE_WAIT_MS / 1000.0 + a[2] + 1.0]
    shed_bad = [a for a in shed if not a[2]]
    other = [a for a in answers if a[0] not in ("ok", 503)]
    print("/execute: %d answers: %d x 200 (p50 %.2f s, p99 %.2f s, max %.2f s), "
          "%d x 503 (p50 %.2f s, max %.2f s), %d other %s"
          % (len(answers), len(ok), percentile([a[1] for a in ok], 50) if ok else 0,
             percentile([a[1] for a in ok], 99) if ok else 0,
             max([a[1] for a in ok]) if ok else 0, len(shed),
             percentile([a[1] for a in shed], 50) if shed else 0,
             max([a[1] for a in shed]) if shed else 0, len(other),
             sorted(set(str(a[0]) for a in other))))
    print("200 later than queue_wait_ms + run time + 1 s: %d; 503 without Retry-After: %d; "
          "target: %s" % (len(late), len(shed_bad),
                          "met" if not late and not shed_bad and not other else "NOT met"))


def main():
    rounds = int(os.environ.get("ROUNDS", "3"))
    duration = int(os.environ.get("DURATION", "20"))
    clients = int(os.environ.get("CLIENTS", "50"))
    stack = Stack()
    try:
        stack.script("start")
        bench_callbacks(stack, rounds)
        bench_overload(stack, duration, clients)
    finally:
        subprocess.run([os.path.join(TOP, "scripts", "stack"), "stop"], env=stack.env)
        subprocess.run(["rm", "-rf", stack.work])


if __name__ == "__main__":
    sys.exit(main())
