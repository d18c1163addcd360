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
