"""Processes that try to outlive, escape or hurt their run: daemons, signals
to everything, the supervisor killed mid-run, concurrent boxes' uids."""

import os
import signal
import subprocess
import time

from harness import host
from harness.suite import case


@case("daemon_outlives_run")
def daemon_outlives_run(ctx):
    work = ctx.workdir(["daemon"])
    res = ctx.run("daemon", workdir=work, limits={"wall-ms": 3000})
    if not ctx.expect_status(res, ("ok", "time_limit", "runtime_error")):
        return
    ctx.expect("daemon started" in res.stdout, "the daemon was started (control)",
               "daemon started", res.stdout[:200])
    left = host.processes_in_pidns(res.pidns, started_before=res.ended)
    ctx.expect(res.pidns and not left, "no process of the box's pid namespace is left",
               "none", [host.describe(p, i) for p, i in left.items()] or
               ("no pid namespace announced" if not res.pidns else "none"))
    alive = os.path.join(work, "alive")
    size_before = os.path.getsize(alive) if os.path.exists(alive) else 0
    time.sleep(0.3)
    size_after = os.path.getsize(alive) if os.path.exists(alive) else 0
    ctx.expect(size_before == size_after, "nothing writes to /box after the run",
               f"/box/alive stays at {size_before} bytes", f"{size_after} bytes")


@case("kill_everything")
def kill_everything(ctx):
    """kill(-1), kill(1), kill(parent), kill(host pid of a canary), kill of
    every pid: the supervisor still reports, host processes are unharmed."""
    canary = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        res = ctx.run("signals", ["killall", canary.pid], limits={"wall-ms": 5000})
        ctx.expect_status(res, ("ok", "runtime_error"))
        ctx.expect(canary.poll() is None, "the runner's canary process is alive",
                   "running", f"exited with {canary.returncode}")
        ctx.expect(os.getppid() > 1 and os.path.exists(f"/proc/{os.getppid()}"),
                   "the runner's parent is alive", "running", "gone")
    finally:
        canary.kill()
        canary.wait()


def _canary_in_session_of_cli(ctx, marker):
    """A preexec function for the CLI: make it a session and group leader,
    and leave in its group a canary (a sleeper with a marker, under the
    CLI's uid): a process of the service's own that a box must not reach."""
    canary = [ctx.suite.tool_path("sleeper"), "60000", marker]
    if ctx.mode == "rootless":
        uid, gid = ctx.suite.rootless_user
        canary = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                  "--"] + canary

    def preexec():
        os.setsid()
        if os.fork() == 0:
            try:
                null = os.open("/dev/null", os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.execv(canary[0], canary)
            finally:
                os._exit(127)
    return preexec


@case("signal_process_group")
def signal_process_group(ctx):
    """kill(0) signals the caller's process group: the box must have one of
    its own, not the supervisor's (whose group may hold the service)."""
    marker = f"{ctx.suite.token}-pgrp-canary-{ctx.mode}"
    work = ctx.workdir(["signals"])
    argv = ["/box/" + ctx.suite.tool_name("signals"), "pgrp", "300"]
    proc = subprocess.Popen(ctx.box.command(argv, workdir=work), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=ctx.box.environment(),
                            preexec_fn=_canary_in_session_of_cli(ctx, marker))
    proc.started_at = time.monotonic()
    ctx.box.launched.add(proc.pid)
    try:
        res = ctx.finish(proc)
        canaries = host.processes_matching(marker)
        ctx.expect(canaries, "the canary in the CLI's process group is alive", "running",
                   "gone")
        if ctx.expect_reported(res):
            ctx.expect("survived" in res.stdout, "the program ran to its end (control)",
                       "survived", res.stdout[:200])
            ctx.note(res.line("pgrp=") or "")
    finally:
        for pid in host.processes_matching(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@case("supervisor_killed")
def supervisor_killed(ctx):
    """SIGKILL the CLI mid-run: the box's processes must die with it."""
    marker = f"{ctx.suite.token}-orphan-{ctx.mode}"
    proc = ctx.start("sleeper", [30000, marker], limits={"wall-ms": 20000, "cpu-ms": 20000})
    seen = host.wait_gone(lambda: {} if host.processes_matching(marker) else {"waiting": 1},
                          timeout=5.0)
    ctx.expect(not seen, "the boxed program started (control)", "a process with the marker",
               "none within 5 s")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left = host.wait_gone(lambda: host.processes_matching(marker), timeout=2.0)
    ctx.expect(not left, "no process of the box survives its supervisor (2 s later)", "none",
               [host.describe(p, i) for p, i in left.items()])
    if left:
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@case("distinct_uids_concurrent", modes=("root",))
def distinct_uids_concurrent(ctx):
    """Two boxes at once run under different, non-root host uids."""
    markers = [f"{ctx.suite.token}-uid{i}" for i in range(2)]
    procs = [ctx.start("sleeper", [1500, m], limits={"wall-ms": 5000}) for m in markers]
    uids = {}
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and len(uids) < 2:
        for m in markers:
            found = host.processes_matching(m)
            for info in found.values():
                if info["comm"].startswith(ctx.suite.tool_prefix[:6]):
                    uids[m] = info["uid"]
        time.sleep(0.05)
    for p in procs:
        ctx.finish(p)
    ctx.expect(len(uids) == 2, "both boxed programs seen on the host (control)", 2, uids)
    if len(uids) == 2:
        a, b = uids.values()
        ctx.expect(a != b, "host uids differ", "two uids", uids)
        ctx.expect(0 not in (a, b) and os.getuid() not in (a, b),
                   "host uids are not root's", "non-zero", uids)
