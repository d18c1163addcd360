"""The filesystem: nothing of the host's to read but the runtimes, nothing
of the host's to write at all, no device beyond the harmless ones."""

import os
import socket

from harness import host
from harness.suite import case


def _refused(res, op, path):
    line = res.line(f"{op} {path}:")
    return line is not None and "errno=" in line, line


def _expect_refused(ctx, res, op, paths):
    for path in paths:
        ok, line = _refused(res, op, path)
        ctx.expect(ok, f"{op} {path} fails", "errno=...", line)


def _expect_secret_absent(ctx, res, secret, what):
    ctx.expect(secret not in res.stdout and secret not in res.stderr,
               f"{what} appears nowhere in the box's output", "absent", "found")


@case("read_etc_shadow")
def read_etc_shadow(ctx):
    res = ctx.run("fsprobe", ["read", "/etc/shadow", "read", "/etc/gshadow",
                              "read", "/proc/1/root/etc/shadow"])
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "read", ["/etc/shadow", "/etc/gshadow"])
    first = host.read_text("/etc/shadow").split("\n", 1)[0]
    hash_field = first.split(":")[1] if first.count(":") > 2 else ""
    if len(hash_field) > 2:
        _expect_secret_absent(ctx, res, hash_field, "root's password hash")
    ctx.expect(first[:20] not in res.stdout, "no line of the host's /etc/shadow is read",
               "absent", res.line("read /proc/1/root/etc/shadow"))


@case("read_root_home")
def read_root_home(ctx):
    res = ctx.run("fsprobe", ["list", "/root", "read", "/root/.bashrc", "list", "/home",
                              "list", "/var", "list", "/run", "list", "/sys"])
    if not ctx.expect_status(res, "ok"):
        return
    for path in ("/root", "/home", "/var", "/run", "/sys"):
        line = res.line(f"list {path}:")
        empty = line is not None and line.strip() == f"list {path}: ok"
        ctx.expect(line is not None and ("errno=" in line or empty),
                   f"the host's {path} is not visible", "errno=ENOENT (or empty)", line)
    _expect_refused(ctx, res, "read", ["/root/.bashrc"])


@case("read_service_state_dir")
def read_service_state_dir(ctx):
    secret_path = ctx.suite.state_secret_path
    secret = ctx.suite.state_secret
    res = ctx.run("fsprobe", ["read", secret_path, "list", os.path.dirname(secret_path),
                              "read", "/proc/self/root" + secret_path,
                              "read", "/box/.." + secret_path,
                              "search", "/", secret.encode().hex()])
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "read", [secret_path, "/proc/self/root" + secret_path,
                                       "/box/.." + secret_path])
    _expect_secret_absent(ctx, res, secret, "the state dir's secret")
    ctx.expect(res.line("search /: ok 0 found") is not None,
               "a search of the whole box finds no trace of the secret", "0 found",
               res.line("search /:"))


@case("read_host_proc")
def read_host_proc(ctx):
    """/proc is the box's own: pid 1 is not the host's init, no host process
    is visible, the service's secret is in no environ or cmdline."""
    res = ctx.run("fsprobe", ["read", "/proc/1/environ", "read", "/proc/1/cmdline",
                              "read", "/proc/kcore", "read", "/proc/1/mem",
                              "list", "/proc", "search", "/proc", ctx.suite.env_secret.encode().hex()],
                  host_env={"RUNBOX_SECRET": ctx.suite.env_secret})
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "read", ["/proc/kcore", "/proc/1/mem"])
    host_init = host.read_text("/proc/1/cmdline").replace("\0", ".")
    line = res.line("read /proc/1/cmdline:") or ""
    ctx.expect(not host_init or f"[{host_init}" not in line,
               "/proc/1 is not the host's init", f"not [{host_init[:40]}...]", line)
    # The box's init is a fork of the supervisor: its command line must not
    # show the supervisor's (host paths, options).
    ctx.expect(os.path.dirname(ctx.suite.workroot) not in line and "runbox-sandbox" not in line,
               "/proc/1/cmdline shows nothing of the supervisor's command line",
               "no host path", line[:120])
    pids = [n for n in (res.line("list /proc:") or "").split()[3:] if n.isdigit()]
    ctx.expect(len(pids) <= 4, "only the box's own processes are visible", "<= 4 pids", pids)
    ctx.expect(res.line("search /proc: ok 0 found") is not None,
               "no environ or cmdline in the box holds the service's secret", "0 found",
               res.lines("search"))
    _expect_secret_absent(ctx, res, ctx.suite.env_secret, "RUNBOX_SECRET's value")


@case("compiler_includes_host_files")
def compiler_includes_host_files(ctx):
    """A compiler is fed user input too: #include of host files must fail."""
    work = ctx.workdir()
    source = os.path.join(work, "main.c")
    with open(source, "w") as f:
        f.write(f'#include "/etc/shadow"\n#include "{ctx.suite.state_secret_path}"\n'
                "int main(void) { return 0; }\n")
    res = ctx.run_argv(["gcc", "-E", "main.c"], workdir=work,
                       limits={"wall-ms": 20000, "cpu-ms": 15000})
    if not ctx.expect_status(res, "runtime_error"):
        return
    ctx.expect("No such file" in res.stderr or "Permission denied" in res.stderr,
               "gcc cannot open the host files", "No such file or directory", res.stderr[:300])
    _expect_secret_absent(ctx, res, ctx.suite.state_secret, "the state dir's secret")
    first = host.read_text("/etc/shadow").split("\n", 1)[0]
    if first:
        ctx.expect(first[:20] not in res.stdout + res.stderr,
                   "no line of the host's /etc/shadow in gcc's output", "absent", "found")


@case("service_environment")
def service_environment(ctx):
    res = ctx.run("creds", host_env={"RUNBOX_SECRET": ctx.suite.env_secret,
                                     "RBXSEC_HOST_ONLY": "1"},
                  env=["RBXSEC_VISIBLE=yes"])
    if not ctx.expect_status(res, "ok"):
        return
    ctx.expect("env RBXSEC_VISIBLE=yes" in res.stdout, "--env reaches the program (control)",
               "env RBXSEC_VISIBLE=yes", res.lines("env "))
    leaked = [l for l in res.lines("env ") if "RUNBOX_SECRET" in l or "RBXSEC_HOST_ONLY" in l]
    ctx.expect(not leaked, "nothing of the service's environment is in the box", "none",
               leaked)
    _expect_secret_absent(ctx, res, ctx.suite.env_secret, "RUNBOX_SECRET's value")


@case("write_outside_box")
def write_outside_box(ctx):
    name = f"{ctx.suite.token}-{ctx.mode}-written"
    targets = [f"/usr/{name}", f"/etc/{name}", f"/bin/{name}", f"/usr/lib/{name}",
               f"/var/{name}"]
    args = []
    # The box's own root (a tmpfs of its own) and /tmp may or may not be
    # writable; either way nothing may reach the host's.
    for t in targets + [f"/{name}", f"/tmp/{name}", f"/box/{name}"]:
        args += ["write", t, "x"]
    work = ctx.workdir(["fsprobe"])
    res = ctx.run("fsprobe", args, workdir=work)
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "write", targets)
    line = res.line(f"write /box/{name}:")
    ctx.expect(line is not None and ": ok" in line, "writing /box works (control)", "ok",
               line)
    ctx.expect(os.path.exists(os.path.join(work, name)),
               "what the box wrote to /box is in the host work dir (control)", "present",
               "absent")
    for path in targets + [f"/{name}", f"/tmp/{name}"]:
        ctx.expect(not os.path.lexists(path), f"host {path} not created", "absent", "present")


# Global kernel settings a box may try to change. The box writes the value
# the host already has: a write that gets through is seen in the box's own
# report without harming the host, and the host is restored if it changed.
GLOBAL_SYSCTLS = ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/overcommit_memory",
                  "/proc/sys/kernel/modprobe", "/proc/sys/fs/protected_symlinks"]


@case("write_proc_sys")
def write_proc_sys(ctx):
    before = {p: host.read_text(p) for p in GLOBAL_SYSCTLS + ["/proc/sys/kernel/hostname"]}
    args = []
    for p in GLOBAL_SYSCTLS:
        args += ["append", p, before[p].strip() or "0"]
    args += ["append", "/proc/sys/kernel/hostname", "rbxsec",
             "append", "/proc/self/oom_score_adj", "-1000"]
    try:
        res = ctx.run("fsprobe", args)
        if ctx.expect_status(res, "ok"):
            _expect_refused(ctx, res, "append", GLOBAL_SYSCTLS + [
                "/proc/sys/kernel/hostname", "/proc/self/oom_score_adj"])
    finally:
        for p, value in before.items():
            now = host.read_text(p)
            if ctx.expect(now == value, f"host {p} unchanged", value.strip(), now.strip()):
                continue
            with open(p, "w") as f:  # put the host back as it was
                f.write(value)


@case("write_sys_fs_cgroup")
def write_sys_fs_cgroup(ctx):
    targets = ["/sys/fs/cgroup/pids/runbox/pids.max", "/sys/fs/cgroup/memory/runbox/"
               "memory.limit_in_bytes", "/sys/fs/cgroup/cgroup.procs", "/sys/kernel/uevent_helper"]
    args = []
    for t in targets:
        args += ["append", t, "max"]
    args += ["write", "/sys/fs/cgroup/rbxsec", "x", "list", "/sys/fs/cgroup"]
    res = ctx.run("fsprobe", args)
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "append", targets)
    _expect_refused(ctx, res, "write", ["/sys/fs/cgroup/rbxsec"])
    line = res.line("list /sys/fs/cgroup:") or ""
    ctx.expect("errno=" in line or line.strip() == "list /sys/fs/cgroup: ok",
               "the host's cgroup tree is not visible", "errno=ENOENT", line)


ALLOWED_DEVICES = {(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2)}


@case("devices")
def devices(ctx):
    dangerous = ["/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda", "/dev/kmsg",
                 "/dev/loop0", "/dev/fuse", "/dev/net/tun", "/dev/tty0", "/dev/console"]
    args = ["devices"]
    for d in dangerous:
        args += ["read", d]
    res = ctx.run("fsprobe", args)
    if not ctx.expect_status(res, "ok"):
        return
    _expect_refused(ctx, res, "read", dangerous)
    for d in dangerous:
        line = res.line(f"read {d}:") or ""
        ctx.expect("ENOENT" in line, f"{d} is absent", "errno=ENOENT", line)
    bad = []
    for line in res.lines("device "):
        kind, numbers = line.split(": ")[1].split()
        major, minor = map(int, numbers.split(":"))
        if kind != "c" or ((major, minor) not in ALLOWED_DEVICES and major != 136):
            bad.append(line)
    ctx.expect(not bad, "only null, zero, full, random, urandom, tty and ptys exist",
               "no other device node", bad)


@case("identity")
def identity(ctx):
    res = ctx.run("creds")
    if not ctx.expect_status(res, "ok"):
        return
    ids = dict(kv.split("=") for kv in (res.line("uid=") or "").split())
    for key in ("uid", "euid", "gid", "egid"):
        ctx.expect(ids.get(key) not in (None, "0"), f"{key} is not 0", "non-zero", ids.get(key))
    ctx.expect(res.line("groups=") == "groups=0", "no supplementary groups", "groups=0",
               res.line("groups="))
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        line = res.line(f"status {cap}:") or ""
        ctx.expect(line.endswith("0000000000000000"), f"{cap} is all zero",
                   "0000000000000000", line)
    line = res.line("status NoNewPrivs:") or ""
    ctx.expect(line.split()[-1:] == ["1"], "no_new_privs is set", "1", line)
    line = res.line("status Seccomp:") or ""
    ctx.expect(line.split()[-1:] == ["2"], "a seccomp filter is in force", "2", line)
    hostname = (res.line("hostname=") or "").split("=", 1)[-1]
    ctx.expect(hostname and hostname != socket.gethostname(), "the box has its own hostname",
               f"not {socket.gethostname()!r}", hostname)


@case("setuid_binaries")
def setuid_binaries(ctx):
    """A setuid-root copy of a program (made by the host, the most favourable
    case for the attacker), su and passwd: no privilege is gained."""
    work = ctx.workdir(["creds"])
    suid = os.path.join(work, "suid_creds")
    with open(ctx.suite.tool_path("creds"), "rb") as src, open(suid, "wb") as dst:
        dst.write(src.read())
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o6755)
    res = ctx.run_argv(["/box/suid_creds"], workdir=work)
    if ctx.expect_status(res, "ok"):
        ids = dict(kv.split("=") for kv in (res.line("uid=") or "").split())
        ctx.expect(ids.get("euid") not in (None, "0") and ids.get("euid") == ids.get("uid"),
                   "a setuid-root binary runs with the caller's uid", "euid == uid != 0", ids)
        ctx.expect(ids.get("egid") not in (None, "0"), "a setgid-root binary gains no gid",
                   "egid != 0", ids)
        line = res.line("status CapEff:") or ""
        ctx.expect(line.endswith("0000000000000000"), "no capability gained", "all zero", line)
    shadow = host.fingerprint("/etc/shadow")
    for argv in (["su", "root", "-c", "id -u"], ["passwd", "-d", "root"],
                 ["chsh", "-s", "/bin/sh", "root"]):
        res = ctx.run_argv(argv, workdir=work)
        if ctx.expect_status(res, ("runtime_error", "ok")):
            ctx.expect(res.status != "ok" and res.stdout.strip() != "0",
                       f"{argv[0]} fails inside the box", "runtime_error", res.summary())
    ctx.expect(host.fingerprint("/etc/shadow") == shadow, "host /etc/shadow unchanged",
               shadow, host.fingerprint("/etc/shadow"))
