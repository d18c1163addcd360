"""Two boxes at once: one hides a secret everywhere it can, the other looks
for it everywhere it can, while the first is still running."""

import os

from harness import host
from harness.suite import case

SHM_KEY = 0x5ec7e57


def _host_has_shm_key(key):
    for line in host.read_text("/proc/sysvipc/shm").splitlines()[1:]:
        fields = line.split()
        if fields and int(fields[0]) == key:
            return True
    return False


@case("concurrent_box_secrets")
def concurrent_box_secrets(ctx):
    secret = f"{ctx.suite.token}-neighbour-{ctx.mode}"
    hold_dir = ctx.workdir(["neighbour"])
    # The holder must outlive the seeker's whole run, which takes seconds in
    # the emulated cgroup v2 guest (2.5 s was too short there once).
    holder = ctx.start("neighbour", ["hold", secret, 6000], workdir=hold_dir,
                       limits={"wall-ms": 12000})
    try:
        # /box is the box's own tmpfs, copied back to the work dir only when
        # the run ends: the host sees the holder ready through its network
        # namespace instead (its abstract socket is the last thing it plants).
        planted = host.wait_gone(lambda: {} if _holder_ready(secret) else {"waiting": 1},
                                 timeout=4.0)
        ctx.expect(not planted, "the holder box planted its secrets (control)",
                   "its abstract socket listed", "absent after 4 s")
        # While the holder runs: look from the host's side...
        ctx.expect(not _host_has_shm_key(SHM_KEY), "the holder's SysV segment is not in the "
                   "host's IPC namespace", "absent", "present")
        ctx.expect(not os.path.exists(f"/dev/shm/{secret}") and
                   not os.path.exists(f"/tmp/{secret}"),
                   "the holder's /tmp and /dev/shm are not the host's", "absent", "present")
        # ... and from a second box.
        # The secret is given in hex: the box's own command lines (its
        # programs' and its init's) must not hold it.
        res = ctx.run("fsprobe", ["search", "/", secret.encode().hex(),
                                  "search", "/proc", secret.encode().hex()],
                      limits={"wall-ms": 4000})
        if ctx.expect_status(res, "ok"):
            _expect_not_found(ctx, res, secret)
        res = ctx.run("neighbour", ["seek", secret], limits={"wall-ms": 4000})
        if ctx.expect_status(res, "ok"):
            line = res.line("seek shm:") or ""
            ctx.expect("errno=" in line, "the holder's SysV segment is invisible",
                       "errno=ENOENT", line)
            line = res.line("seek abstract:") or ""
            ctx.expect("errno=" in line, "the holder's abstract socket is unreachable",
                       "errno=ECONNREFUSED", line)
            ctx.expect("found" not in res.stdout, "nothing found", "nothing", res.stdout)
        still_running = holder.poll() is None
    finally:
        hold = ctx.finish(holder)
    ctx.expect(still_running, "the second box ran while the holder was still running "
               "(control)", "holder running", "holder had ended")
    if ctx.expect_status(hold, "ok", "the holder's verdict"):
        ctx.expect(os.path.exists(os.path.join(hold_dir, secret)),
                   "the holder's /box came back to its work dir after the run (control)",
                   "file present", "absent")
        for what in ("/tmp", "/box", "hold shm", "abstract"):
            line = next((l for l in hold.lines("hold ") if what in l), None)
            ctx.expect(line is not None and ": ok" in line,
                       f"the holder planted its secret in {what} (control)", "ok", line)


def _holder_ready(secret):
    """A process of the holder's box lists the holder's abstract socket."""
    for pid in host.processes_matching(secret):
        try:
            with open(f"/proc/{pid}/net/unix") as f:
                if "@" + secret in f.read():
                    return True
        except OSError:
            pass
    return False


def _expect_not_found(ctx, res, secret):
    """Searching / covers /tmp, /box and /dev/shm by name and content."""
    for root in ("/", "/proc"):
        line = res.line(f"search {root}:") or ""
        ctx.expect(line.endswith(": ok 0 found"), f"a search of {root} finds nothing",
                   "0 found", res.lines("search"))
    found = [l for l in res.stdout.splitlines() if l.startswith("search: found")]
    ctx.expect(not found, "the secret is found nowhere", "nothing", found)
