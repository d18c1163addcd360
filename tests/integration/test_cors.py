"""CORS (server.cors_origins): the test stack allows one origin, CORS_ORIGIN.
A preflight (OPTIONS) from it is 204 with the methods, headers and max age; an
actual answer to it echoes the origin; any other origin gets no CORS header
and its preflight is refused with 403 in the error envelope. Native routes and
the dialects alike."""

import pytest

from conftest import CORS_ORIGIN

OTHER = "https://evil.example.test"


def preflight(stack, path, origin, method="POST"):
    headers = {"Access-Control-Request-Method": method,
               "Access-Control-Request-Headers": "authorization, content-type"}
    if origin:
        headers["Origin"] = origin
    return stack.request("OPTIONS", path, headers=headers)


@pytest.mark.parametrize("path,method", [("/execute", "POST"), ("/history/abc", "DELETE"),
                                         ("/health", "GET"), ("//judge0/submissions", "POST"),
                                         ("//piston/api/v2/execute", "POST")])
def test_preflight_from_an_allowed_origin_is_204_with_the_cors_headers(stack, path, method):
    r = preflight(stack, path, CORS_ORIGIN, method)
    assert r.status == 204, r
    assert r.raw == ""
    h = r.headers
    assert h["access-control-allow-origin"] == CORS_ORIGIN
    methods = [m.strip() for m in h["access-control-allow-methods"].split(",")]
    assert method in methods and "OPTIONS" in methods
    allowed = [x.strip().lower() for x in h["access-control-allow-headers"].split(",")]
    assert {"authorization", "content-type", "x-auth-token"} <= set(allowed)
    assert int(h["access-control-max-age"]) > 0
    assert "origin" in h["vary"].lower()
    assert h.get("x-request-id")


def test_actual_answer_to_an_allowed_origin_echoes_it(stack, alice):
    r = stack.request("GET", "/history", key=alice, headers={"Origin": CORS_ORIGIN})
    assert r.status == 200, r
    assert r.headers["access-control-allow-origin"] == CORS_ORIGIN
    exposed = [x.strip().lower() for x in r.headers["access-control-expose-headers"].split(",")]
    assert {"x-request-id", "retry-after", "location"} <= set(exposed)
    assert "origin" in r.headers["vary"].lower()
    # A refusal carries it too, so the page can read the error envelope.
    r = stack.request("GET", "/history", headers={"Origin": CORS_ORIGIN})
    assert r.status == 401
    assert r.headers["access-control-allow-origin"] == CORS_ORIGIN


def test_other_origin_gets_no_cors_headers_and_its_preflight_is_refused(stack, alice):
    r = stack.request("GET", "/history", key=alice, headers={"Origin": OTHER})
    assert r.status == 200, r
    assert not [k for k in r.headers if k.startswith("access-control-")]
    r = preflight(stack, "/execute", OTHER)
    assert r.status == 403, r
    assert r.error_code() == "forbidden"
    assert not [k for k in r.headers if k.startswith("access-control-")]


def test_preflight_without_origin_is_refused(stack):
    r = preflight(stack, "/execute", None)
    assert r.status == 403, r
    assert r.error_code() == "forbidden"


def test_preflight_on_an_unknown_route_is_404(stack):
    r = preflight(stack, "/no-such-route", CORS_ORIGIN)
    assert r.status == 404, r


def test_same_origin_answers_carry_no_allow_origin(stack):
    """The playground is same-origin: its requests need (and get) no CORS header."""
    r = stack.request("GET", "/languages")
    assert r.status == 200
    assert "access-control-allow-origin" not in r.headers
