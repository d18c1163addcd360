#!/usr/bin/env python3
"""bench/cluster, part 2: runs/s through the cluster front with 1 and 3 hosts.

Builds the cluster tests/cluster builds (three hosts in network namespaces on
one PostgreSQL), puts two fronts over it, one over host a only and one over
all three, and drives both with wrk in interleaved rounds: a Python hello
world per request, the same key. Prints each round and the medians.
"""
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.environ["RUNBOX_SRCDIR"], "tests", "cluster"))
import cluster as cl  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "10"))
CLIENTS = int(os.environ.get("CLIENTS", "6"))
ONE, THREE = "http://127.0.0.1:8091", "http://127.0.0.1:8092"


def wrk(c, url, key):
    script = os.path.join(c.dir, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\n'
                'wrk.body = [[{"language": "python", "code": "print(\\"Hello, World!\\")"}]]\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                'wrk.headers["Authorization"] = "Bearer %s"\n'
                'done = function(summary, latency, requests)\n'
                '  io.write(string.format("non2xx %%d\\n", summary.errors.status))\n'
                'end\n' % key)
    out = cl.sh("wrk", "-t", "2", "-c", str(CLIENTS), "-d", "%ds" % DURATION, "--timeout", "60s",
                "-s", script, url + "/api/v1/code/execute", timeout=DURATION + 120).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    bad = int(re.search(r"non2xx (\d+)", out).group(1))
    return rate, bad


def main():
    c = cl.Cluster()
    try:
        c.build_network()
        c.start_pg()
        c.start_hosts()
        c.start_front(ONE, hosts=("a",), rate="100000r/s")
        c.start_front(THREE, rate="100000r/s")
        key = c.key("a", "bench")
        rates = {ONE: [], THREE: []}
        for r in range(ROUNDS):
            for url in (ONE, THREE) if r % 2 == 0 else (THREE, ONE):
                rate, bad = wrk(c, url, key)
                rates[url].append(rate)
                print("round %d, %s: %.1f runs/s (%d answers not 2xx)"
                      % (r + 1, "1 host " if url == ONE else "3 hosts", rate, bad))
        one, three = statistics.median(rates[ONE]), statistics.median(rates[THREE])
        print("median: 1 host %.1f runs/s, 3 hosts %.1f runs/s, ratio %.2f"
              % (one, three, three / one))
        print("On one machine the three hosts share its cores: the ratio shows the cost of the"
              " front and the shared store, not the gain of real extra machines.")
    finally:
        c.close()


if __name__ == "__main__":
    main()
