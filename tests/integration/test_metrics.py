"""/metrics scraped by a real Prometheus server (Debian's prometheus): it
must find the target up and read the runs, requests and errors this test
caused; the text also parses with prometheus_client's parser. Only loopback
may scrape (nginx allow/deny)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

PROMETHEUS = shutil.which("prometheus")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def families(stack):
    r = stack.request("GET", "/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(r.raw)}


def sample(fams, family, name, **labels):
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


def test_metrics_count_runs_requests_and_errors(stack, alice):
    before = families(stack)
    ok = stack.execute(alice, {"language": "python", "code": "print(1)"}, retry_busy=True)
    assert ok.status == 200 and ok.json["status"] == "success", ok
    bad = stack.execute(alice, {"language": "c", "code": "int main() { return x; }"},
                        retry_busy=True)
    assert bad.json["status"] == "compile_error"
    assert stack.request("GET", "/history").status == 401
    job = stack.request("POST", "/execute/async", {"language": "python", "code": "print(3)"},
                        key=alice)
    assert job.status == 202, job
    deadline = time.time() + 60
    while time.time() < deadline:
        t = stack.request("GET", "/tasks/" + job.json["id"], key=alice)
        if t.json["status"] == "done":
            break
        time.sleep(0.2)
    assert t.json["status"] == "done", t
    after = families(stack)

    def grew(family, name, **labels):
        return (sample(after, family, name, **labels) or 0) - (
            sample(before, family, name, **labels) or 0)

    assert grew("runbox_runs", "runbox_runs_total", language="python", verdict="success") >= 1
    assert grew("runbox_runs", "runbox_runs_total", language="c", verdict="compile_error") >= 1
    assert grew("runbox_errors", "runbox_errors_total", code="unauthorized") >= 1
    assert grew("runbox_requests", "runbox_requests_total", route="POST /execute",
                status="2xx") >= 2
    assert grew("runbox_request_duration_seconds", "runbox_request_duration_seconds_count",
                route="POST /execute", status="2xx") >= 2
    assert grew("runbox_jobs_run", "runbox_jobs_run_total") >= 1
    assert sample(after, "runbox_jobs", "runbox_jobs", state="done") >= 1
    assert sample(after, "runbox_sandbox_slots", "runbox_sandbox_slots") >= 1
    assert sample(after, "runbox_queue_depth", "runbox_queue_depth") >= 0
    assert sample(after, "runbox_pool_workers", "runbox_pool_workers", kind="run") >= 1


@pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus is not installed")
def test_a_prometheus_server_scrapes_the_service(stack, alice):
    work = tempfile.mkdtemp(prefix="runbox-prom-")
    port = free_port()
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: runbox\n"
                "    metrics_path: /api/v1/code/metrics\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % stack.port)
    log = open(os.path.join(work, "prometheus.log"), "w")
    proc = subprocess.Popen([PROMETHEUS, "--config.file=" + os.path.join(work, "prometheus.yml"),
                             "--storage.tsdb.path=" + os.path.join(work, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        r = stack.execute(alice, {"language": "python", "code": "print(2)"}, retry_busy=True)
        assert r.status == 200, r

        def query(q):
            url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
            with urllib.request.urlopen(url, timeout=5) as resp:
                return json.load(resp)["data"]["result"]

        deadline = time.time() + 90
        up = runs = None
        while time.time() < deadline:
            try:
                up = query('up{job="runbox"}')
                runs = query('sum(runbox_runs_total{language="python"})')
                if up and up[0]["value"][1] == "1" and runs and float(runs[0]["value"][1]) >= 1:
                    break
            except OSError:
                pass  # not listening yet
            time.sleep(1)
        assert up and up[0]["value"][1] == "1", "the target is not up: %r" % up
        assert runs and float(runs[0]["value"][1]) >= 1, runs
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
