"""Keys: required where documented, revocation takes effect at once."""


def test_health_and_languages_need_no_key(stack):
    r = stack.request("GET", "/health")
    assert r.status == 200 and r.json["status"] == "ok", r
    assert r.json["version"] and "isolation" in r.json
    # The host that answered, and its store checked (a load balancer's signal).
    assert r.json["host"] and r.json["store"] == {"backend": "sqlite", "ok": True}, r.json
    assert stack.request("GET", "/languages").status == 200


def test_revoked_key_is_refused(stack):
    key = stack.new_key("dave")
    assert stack.request("GET", "/history", key=key).status == 200
    prefix = key[:12]
    out = stack.ctl("key", "revoke", prefix)
    assert out.returncode == 0, out.stderr
    r = stack.request("GET", "/history", key=key)
    assert r.status == 401 and r.error_code() == "unauthorized", r
    assert r.headers.get("www-authenticate", "").startswith("Bearer")
    r = stack.execute(key, {"language": "python", "code": "print(1)"})
    assert r.status == 401, r
