"""The pool survives a worker killed mid-request: that client gets an error,
the worker is replaced, and other requests are neither lost nor disturbed."""

import os
import signal
import threading
import time


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def busy_worker(master):
    """The pool worker running a program: a box init of its with a child.
    (An idle worker has a child too: the box it built ahead, still empty.)"""
    for _ in range(100):
        for w in children(master):
            if any(children(init) for init in children(w)):
                return w
        time.sleep(0.05)
    return None


# The stack's RUNBOX_WORKERS (6) and the 2 light workers of the read-only routes.
POOL = 6 + 2


def test_worker_killed_mid_request(stack, alice, bob):
    master = stack.master_pid()
    before = sorted(children(master))
    assert len(before) == POOL
    outcome = {}

    def victim():
        outcome["victim"] = stack.execute(alice, {"language": "python",
                                                  "code": "import time\ntime.sleep(3)\n",
                                                  "limits": {"wall_time_ms": 6000}})

    def bystander():
        time.sleep(0.3)
        outcome["bystander"] = stack.execute(bob, {"language": "python",
                                                   "code": "import time\ntime.sleep(1)\nprint('fine')\n"},
                                             retry_busy=True)

    t1, t2 = threading.Thread(target=victim), threading.Thread(target=bystander)
    t1.start()
    worker = busy_worker(master)
    assert worker, "no pool worker picked up the request"
    t2.start()
    time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    t1.join()
    t2.join()

    r = outcome["victim"]
    assert r.status == 502 and r.error_code() == "bad_gateway", r
    r = outcome["bystander"]
    assert r.status == 200 and r.json["output"] == "fine\n", r
    assert stack.request("GET", "/history/" + r.json["id"], key=bob).status == 200

    for _ in range(50):  # the master replaces the dead worker
        now = children(master)
        if len(now) == POOL and worker not in now:
            break
        time.sleep(0.1)
    assert len(children(master)) == POOL and worker not in children(master)
    r = stack.execute(alice, {"language": "python", "code": "print('after')\n"}, retry_busy=True)
    assert r.status == 200 and r.json["output"] == "after\n", r
