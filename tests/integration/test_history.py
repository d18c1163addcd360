"""History and stats belong to the key's user; runs are stored before the answer."""

import uuid


def run(stack, key, code, **extra):
    body = {"language": "python", "code": code}
    body.update(extra)
    r = stack.execute(key, body, retry_busy=True)
    assert r.status == 200, r
    return r.json


def test_answered_run_is_in_history_in_full(stack, alice):
    res = run(stack, alice, "print(input())\n", stdin="kept\n", project_id=7, session_id="s-1")
    uuid.UUID(res["id"])  # ids are UUIDs
    r = stack.request("GET", "/history/" + res["id"], key=alice)
    assert r.status == 200, r
    rec = r.json
    assert rec["id"] == res["id"]
    assert rec["code"] == "print(input())\n" and rec["stdin"] == "kept\n"
    assert rec["output"] == "kept\n" and rec["status"] == "success"
    assert rec["project_id"] == 7 and rec["session_id"] == "s-1"


def test_save_history_false_is_not_stored(stack, alice):
    res = run(stack, alice, "print('ephemeral')\n", save_history=False)
    r = stack.request("GET", "/history/" + res["id"], key=alice)
    assert r.status == 404, r


def test_history_is_isolated_between_users(stack, alice, bob):
    mine = run(stack, alice, "print('alice only')\n", project_id=4242)
    r = stack.request("GET", "/history/" + mine["id"], key=bob)
    assert r.status == 404 and r.error_code() == "not_found", r
    r = stack.request("DELETE", "/history/" + mine["id"], key=bob)
    assert r.status == 404, r
    r = stack.request("GET", "/history?project_id=4242", key=bob)
    assert r.status == 200 and r.json["total"] == 0, r
    r = stack.request("GET", "/history?project_id=4242", key=alice)
    assert r.status == 200 and [i["id"] for i in r.json["items"]] == [mine["id"]], r


def test_history_filters_paging_and_total(stack, bob):
    ids = [run(stack, bob, "print(%d)\n" % i, project_id=99)["id"] for i in range(3)]
    run(stack, bob, "raise SystemExit(3)\n", project_id=99)
    r = stack.request("GET", "/history?project_id=99&limit=2", key=bob)
    assert r.status == 200, r
    assert r.json["total"] == 4 and len(r.json["items"]) == 2
    r2 = stack.request("GET", "/history?project_id=99&limit=2&offset=2", key=bob)
    newest_first = [i["id"] for i in r.json["items"] + r2.json["items"]]
    assert newest_first[1:] == list(reversed(ids))
    r = stack.request("GET", "/history?project_id=99&status=runtime_error", key=bob)
    assert r.json["total"] == 1, r
    r = stack.request("GET", "/history?project_id=99&language=python&status=success", key=bob)
    assert r.json["total"] == 3, r
    r = stack.request("GET", "/history?limit=0", key=bob)
    assert r.status == 400 and r.json["error"]["field"] == "limit", r


def test_delete_then_gone(stack, alice):
    res = run(stack, alice, "print('to delete')\n")
    r = stack.request("DELETE", "/history/" + res["id"], key=alice)
    assert r.status == 204, r
    assert stack.request("GET", "/history/" + res["id"], key=alice).status == 404
    assert stack.request("DELETE", "/history/" + res["id"], key=alice).status == 404


def test_stats_count_the_callers_runs(stack):
    carol = stack.new_key("carol-stats")
    run(stack, carol, "print(1)\n")
    run(stack, carol, "raise SystemExit(1)\n")
    r = stack.request("GET", "/stats", key=carol)
    assert r.status == 200, r
    assert r.json["total"]["runs"] == 2
    assert r.json["by_language"]["python"]["runs"] == 2
    assert r.json["by_status"]["success"]["runs"] == 1
    assert r.json["by_status"]["runtime_error"]["runs"] == 1
