"""System calls a box must never make: each is refused with an errno (or the
caller killed by SIGSYS). One box makes every attempt, each in a child of
its own; every attempt is reported as a case of its own."""

import subprocess

from harness.suite import case

ATTEMPTS = [
    "ptrace_traceme", "ptrace_attach", "process_vm_readv", "mount", "umount", "pivot_root",
    "chroot", "fsopen", "unshare_user", "unshare_mount", "unshare_net", "clone_newuser",
    "clone_newns", "clone3_newuser", "setns", "bpf", "keyctl", "add_key", "io_uring_setup",
    "open_by_handle_at", "perf_event_open", "reboot", "init_module", "finit_module",
    "kexec_load", "swapon", "acct", "userfaultfd", "clock_settime", "syslog", "i386_abi",
    "x32_abi", "socket_inet", "socket_inet6", "socket_netlink", "socket_packet",
    "mknod_dev_mem", "setuid_root", "setgroups", "tiocsti",
]

REFUSED_ERRNOS = {"EPERM", "EACCES", "ENOSYS"}
# Refusing a socket family by saying the family is unsupported is a refusal too.
SOCKET_ERRNOS = REFUSED_ERRNOS | {"EAFNOSUPPORT"}
# Calls that fail on their own whatever the filter says: any error will do
# (EINVAL: uid 0 does not even exist in a rootless box's user namespace).
ANY_ERRNO = {"setuid_root", "setgroups"}


def _box_run(ctx):
    """The one run shared by every attempt of this mode."""
    key = ("syscalls", ctx.mode)
    if key not in ctx.suite.shared:
        ctx.suite.shared[key] = ctx.run("syscalls", limits={"wall-ms": 10000})
    else:
        ctx.results.append(ctx.suite.shared[key])
    return ctx.suite.shared[key]


def _host_control(ctx):
    """The same attempts on the host as nobody: which ABIs the kernel has."""
    key = "syscalls-host"
    if key not in ctx.suite.shared:
        out = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             ctx.suite.tool_path("syscalls"), "i386_abi", "x32_abi"],
            capture_output=True, text=True, timeout=30).stdout
        ctx.suite.shared[key] = out
    return ctx.suite.shared[key]


def _attempt_case(name):
    def check(ctx):
        if name in ("i386_abi", "x32_abi"):
            control = next((l for l in _host_control(ctx).splitlines()
                            if l.startswith(name + ":")), "")
            if ": ok" not in control:
                ctx.skip(f"the host kernel has no such ABI either ({control.strip()})")
        res = _box_run(ctx)
        if not ctx.expect_status(res, "ok", "the attempts' run"):
            return
        line = res.line(name + ":") or ""
        outcome = line.split(":", 1)[1].strip() if line else "<no line>"
        allowed = SOCKET_ERRNOS if name.startswith("socket_") else REFUSED_ERRNOS
        if name in ANY_ERRNO:
            allowed = {outcome[6:]} if outcome.startswith("errno=") else allowed
        refused = (outcome.startswith("errno=") and outcome[6:] in allowed) or \
            outcome == "killed SIGSYS"
        ctx.expect(refused, f"{name} is refused",
                   "errno=" + "/".join(sorted(allowed)) + " or killed SIGSYS", outcome)
    return check


for _name in ATTEMPTS:
    case(f"syscall_{_name}")(_attempt_case(_name))
