"""What operators and API callers rely on around every answer: HEAD /health,
a request id on every answer, the Location of an async task."""

import re


def test_head_health_is_get_without_a_body(stack):
    get = stack.request("GET", "/health")
    head = stack.request("HEAD", "/health")
    assert head.status == get.status == 200
    assert head.raw == ""
    assert head.headers["content-type"].startswith("application/json")


def test_head_on_a_route_without_get_is_405_listing_the_methods(stack, alice):
    r = stack.request("HEAD", "/execute", key=alice)
    assert r.status == 405
    assert "POST" in r.headers["allow"]


def test_every_answer_carries_nginx_s_request_id(stack, alice):
    ids = set()
    for method, path in [("GET", "/health"), ("GET", "/languages"), ("GET", "/history"),
                         ("GET", "/no-such-route")]:
        r = stack.request(method, path, key=alice)
        rid = r.headers.get("x-request-id", "")
        assert re.fullmatch(r"[0-9a-f]{32}", rid), (path, r.headers)
        ids.add(rid)
    assert len(ids) == 4, "request ids repeat"


def test_a_run_s_request_id_is_in_its_history_record(stack, alice):
    r = stack.execute(alice, {"language": "python", "code": "print(1)"}, retry_busy=True)
    assert r.status == 200, r
    rid = r.headers["x-request-id"]
    assert "request_id" not in r.json  # in the header, not repeated in the body
    record = stack.request("GET", "/history/" + r.json["id"], key=alice)
    assert record.status == 200, record
    assert record.json["request_id"] == rid


def test_async_202_names_its_task(stack, alice):
    r = stack.request("POST", "/execute/async", {"language": "python", "code": "print(1)"},
                      key=alice)
    assert r.status == 202, r
    assert r.headers["location"] == "/api/v1/code/tasks/" + r.json["id"]
    task = stack.request("GET", r.headers["location"][len("/api/v1/code"):], key=alice)
    assert task.status == 200 and task.json["id"] == r.json["id"]


def test_nginx_s_own_refusal_carries_the_request_id_and_cors(stack, alice):
    """A 413 answered by nginx itself (the body over client_max_body_size)
    once had neither X-Request-Id nor CORS headers: an operator could not
    match it to a log line, and a browser app on an allowed origin could not
    read it at all."""
    r = stack.request("POST", "/execute", "x" * (3 * 1024 * 1024), key=alice,
                      headers={"Origin": "https://app.example"})
    assert r.status == 413, r
    assert r.json["error"]["code"] == "payload_too_large"
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers.get("x-request-id", "")), r.headers
    assert r.headers.get("access-control-allow-origin") == "*", r.headers
    assert "X-Request-Id" in r.headers.get("access-control-expose-headers", ""), r.headers
