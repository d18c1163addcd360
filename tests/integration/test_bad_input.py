"""The table of bad inputs: each gets the documented JSON error, and the
service stays healthy (checked after every test by conftest)."""

import json

import pytest

GOOD = {"language": "python", "code": "print(1)"}
NOT_A_UUID = "not-a-uuid"
UNKNOWN_UUID = "6f1c1f0e-3b7a-4c55-9d0e-7d2a1b9c0a11"


def with_(**fields):
    body = dict(GOOD)
    for k, v in fields.items():
        if v is KeyError:
            body.pop(k)
        else:
            body[k] = v
    return body


# name, method, path, body (dict or raw str), extra headers, status, code, field
CASES = [
    ("not json", "POST", "/execute", "{not json", {}, 400, "invalid_json", None),
    ("json not an object", "POST", "/execute", "[1, 2, 3]", {}, 400, "invalid_request", None),
    ("json scalar", "POST", "/execute", '"print(1)"', {}, 400, "invalid_request", None),
    ("language not a string", "POST", "/execute", with_(language=7), {}, 400,
     "invalid_request", "language"),
    ("code not a string", "POST", "/execute", with_(code=["x"]), {}, 400, "invalid_request",
     "code"),
    ("stdin not a string", "POST", "/execute", with_(stdin=5), {}, 400, "invalid_request",
     "stdin"),
    ("args not a list", "POST", "/execute", with_(args="--x"), {}, 400, "invalid_request",
     "args"),
    ("limits not an object", "POST", "/execute", with_(limits=3), {}, 400, "invalid_request",
     "limits"),
    ("save_history not a bool", "POST", "/execute", with_(save_history="no"), {}, 400,
     "invalid_request", "save_history"),
    ("unknown language", "POST", "/execute", with_(language="cobol"), {}, 400,
     "invalid_request", "language"),
    ("missing language", "POST", "/execute", with_(language=KeyError), {}, 400,
     "invalid_request", "language"),
    ("missing code", "POST", "/execute", with_(code=KeyError), {}, 400, "invalid_request",
     "code"),
    ("code over 50 KB", "POST", "/execute", with_(code="#" * (51 * 1024)), {}, 413,
     "payload_too_large", "code"),
    ("limits over maxima", "POST", "/execute", with_(limits={"wall_time_ms": 60000}), {}, 422,
     "limit_exceeded", "limits.wall_time_ms"),
    ("memory over maximum", "POST", "/execute", with_(limits={"memory_kb": 10 ** 9}), {}, 422,
     "limit_exceeded", "limits.memory_kb"),
    ("negative limit", "POST", "/execute", with_(limits={"cpu_time_ms": -1}), {}, 400,
     "invalid_request", "limits.cpu_time_ms"),
    ("unknown field", "POST", "/execute", with_(colour="blue"), {}, 400, "invalid_request",
     "colour"),
    ("unknown limit", "POST", "/execute", with_(limits={"gpus": 1}), {}, 400,
     "invalid_request", "limits.gpus"),
    ("huge body", "POST", "/execute", "x" * (3 * 1024 * 1024), {}, 413, "payload_too_large",
     None),
    ("wrong method on execute", "GET", "/execute", None, {}, 405, "method_not_allowed", None),
    ("wrong method on history", "PUT", "/history", None, {}, 405, "method_not_allowed", None),
    ("wrong content type", "POST", "/execute", json.dumps(GOOD),
     {"Content-Type": "text/plain"}, 415, "unsupported_media_type", None),
    ("form content type", "POST", "/validate", "language=python",
     {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type",
     None),
    ("missing key", "POST", "/execute", GOOD, {"Authorization": None}, 401, "unauthorized",
     None),
    ("bad key", "POST", "/execute", GOOD, {"Authorization": "Bearer rbx_nope"}, 401,
     "unauthorized", None),
    ("not bearer", "GET", "/history", None, {"Authorization": "Basic YTpi"}, 401,
     "unauthorized", None),
    ("id not a uuid", "GET", "/history/" + NOT_A_UUID, None, {}, 404, "not_found", "id"),
    ("delete id not a uuid", "DELETE", "/history/" + NOT_A_UUID, None, {}, 404, "not_found",
     "id"),
    ("unknown id", "GET", "/history/" + UNKNOWN_UUID, None, {}, 404, "not_found", None),
    ("unknown route", "GET", "/nothing-here", None, {}, 404, "not_found", None),
    ("wrong method on async", "GET", "/execute/async", None, {}, 405, "method_not_allowed", None),
    # The strict reader (common/json_strict.c): json-c let each of these through.
    ("duplicate key", "POST", "/execute",
     '{"language": "c", "code": "int main(void){return 0;}", "language": "python"}', {}, 400,
     "invalid_request", "language"),
    ("duplicate key escaped", "POST", "/execute",
     '{"language": "python", "code": "print(1)", "lan\\u0067uage": "c"}', {}, 400,
     "invalid_request", "language"),
    ("overlong utf-8 in code", "POST", "/execute",
     b'{"language": "python", "code": "print(\'\xc0\xaf\')"}', {}, 400, "invalid_request",
     "code"),
    ("encoded surrogate in stdin", "POST", "/execute",
     b'{"language": "python", "code": "print(1)", "stdin": "\xed\xa0\x80"}', {}, 400,
     "invalid_request", "stdin"),
    ("lone surrogate escape", "POST", "/execute",
     '{"language": "python", "code": "print(1)", "stdin": "\\ud800"}', {}, 400,
     "invalid_request", "stdin"),
    ("nul in language", "POST", "/execute", '{"language": "python\\u0000c", "code": "print(1)"}',
     {}, 400, "invalid_request", "language"),
    ("nul in function_name", "POST", "/execute",
     '{"language": "python", "code": "def f(): return 1", "function_name": "f\\u0000g",'
     ' "test_cases": [{"input": [], "expected": 1}]}', {}, 400, "invalid_request",
     "function_name"),
    # found by tests/fuzz/fuzz_request: json-c takes single quotes, and the
    # strict reader then spun forever on what followed (a pool worker lost)
    ("single quotes", "POST", "/execute",
     b'{\'urGLjav}: "java", "code": "{} }", "imports": [("javaLLLLLLLLLLLLLLLLLLLLLLLLLL:&LLLLLL'
     b'LLLLL\':""}', {}, 400, "invalid_request", None),
    ("nul in a file name", "POST", "/execute",
     '{"language": "python", "files": [{"name": "main.py", "content": "print(1)"},'
     ' {"name": "a\\u0000.py", "content": ""}]}', {}, 400, "invalid_request", "files[1].name"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_documented_error(stack, alice, case):
    name, method, path, body, headers, status, code, field = case
    hdrs = {"Authorization": "Bearer " + alice}
    if method == "POST":
        hdrs["Content-Type"] = "application/json"
    for k, v in headers.items():
        if v is None:
            hdrs.pop(k, None)
        else:
            hdrs[k] = v
    if isinstance(body, dict):
        body = json.dumps(body)
    r = stack.request(method, path, body, headers=hdrs)
    assert r.status == status, r
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    assert r.json is not None and set(r.json) == {"error"}, r
    err = r.json["error"]
    assert set(err) == {"code", "message", "field"}, r
    assert err["code"] == code, r
    assert err["message"]
    if field is not None:
        assert err["field"] == field, r
    if status == 405:
        assert r.headers.get("allow"), r.headers


def test_another_users_id_is_404(stack, alice, bob):
    r = stack.execute(alice, dict(GOOD), retry_busy=True)
    assert r.status == 200, r
    other = stack.request("GET", "/history/" + r.json["id"], key=bob)
    assert other.status == 404 and other.error_code() == "not_found", other
    assert other.json["error"]["message"]
    # the same id in upper case is the same run for its owner
    mine = stack.request("GET", "/history/" + r.json["id"].upper(), key=alice)
    assert mine.status == 200, mine
