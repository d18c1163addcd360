"""Links planted in /box. The box may leave symlinks, hard links and FIFOs
pointing at host files in its work dir; the host side (the sandbox when it
sets up or tears down, the engine when it reads results back or deletes the
dir) must never read, follow, change or delete what they point at."""

import os
import shutil
import stat
import subprocess

from harness import host
from harness.suite import case

# Host files a planted link may aim at; their fingerprints must not change.
def _victims(ctx):
    return ["/etc/passwd", "/etc/shadow", "/etc/hostname", "/usr/bin/passwd",
            ctx.suite.state_secret_path, os.path.dirname(ctx.suite.state_secret_path)]


def _plant_args(ctx):
    secret = ctx.suite.state_secret_path
    return ["symlink", "/etc/passwd", "/box/out",
            "symlink", "/etc/shadow", "/box/shadow",
            "symlink", secret, "/box/secret",
            "symlink", "/etc", "/box/etcdir",
            "symlink", "/", "/box/rootdir",
            "symlink", os.path.dirname(secret), "/box/statedir",
            "mkfifo", "/box/fifo",
            "link", "/etc/passwd", "/box/hl_passwd",
            "link", "/usr/bin/passwd", "/box/hl_suid",
            "link", "/etc/ld.so.cache", "/box/hl_cache",
            "link", "/usr/bin/sh", "/box/hl_sh"]


def read_back_safely(path, cap=1 << 20):
    """What the engine must do to read a result file the box may have
    planted: no symlink followed, nothing but a regular file, size capped.
    Returns the bytes or the reason it refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return f"refused: {exc.strerror}"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "refused: not a regular file"
        if st.st_nlink > 1:
            return "refused: hard-linked"
        return os.read(fd, cap)
    finally:
        os.close(fd)


@case("planted_links")
def planted_links(ctx):
    before = {v: host.fingerprint(v) for v in _victims(ctx)}
    work = ctx.workdir(["fsprobe"])
    res = ctx.run("fsprobe", _plant_args(ctx), workdir=work)
    if not ctx.expect_status(res, "ok"):
        return
    line = res.line("symlink /box/out:") or ""
    ctx.expect(": ok" in line, "the box could plant a symlink in its /box (control)", "ok",
               line)
    # /box is the box's own tmpfs; only regular files and directories are
    # copied back to the work dir, so nothing planted reaches the host.
    _expect_nothing_planted_came_back(ctx, work)
    for name in ("hl_passwd", "hl_suid", "hl_cache", "hl_sh"):
        line = res.line(f"link /box/{name}:") or ""
        ctx.expect("errno=" in line, f"hard link {name} to a host file fails", "errno=...",
                   line)
    # Nothing in the work dir may be the same inode as a host file.
    inodes = {}
    for v in _victims(ctx):
        try:
            st = os.stat(v)
            inodes[(st.st_dev, st.st_ino)] = v
        except OSError:
            pass
    for entry in os.scandir(work):
        st = entry.stat(follow_symlinks=False)
        ctx.expect((st.st_dev, st.st_ino) not in inodes,
                   f"/box/{entry.name} is not a host file's inode", "own inode",
                   inodes.get((st.st_dev, st.st_ino)))
    # The host reads every result back the way the engine must.
    secrets = [host.read_text("/etc/shadow")[:20], ctx.suite.state_secret]
    for entry in os.scandir(work):
        if entry.name.startswith(ctx.suite.tool_prefix):
            continue
        got = read_back_safely(entry.path)
        leaked = isinstance(got, bytes) and any(s and s.encode() in got for s in secrets)
        ctx.expect(not isinstance(got, bytes) or not leaked,
                   f"reading /box/{entry.name} back never reaches a host file", "refused",
                   got[:60] if isinstance(got, bytes) else got)
    # A second run over the same work dir (as the engine does: compile, then
    # run): the sandbox's own setup and teardown must not follow the links.
    res = ctx.run("fsprobe", ["list", "/box"], workdir=work)
    ctx.expect_status(res, "ok", "a second run over the planted work dir")
    # Then the work dir is deleted the way the engine must: without following.
    shutil.rmtree(work)
    ctx.expect(not os.path.lexists(work), "the work dir is gone", "gone", "present")
    after = {v: host.fingerprint(v) for v in _victims(ctx)}
    for v in before:
        ctx.expect(before[v] == after[v], f"host {v} unchanged (owner, mode, content)",
                   before[v], after[v])


@case("planted_links_host_files_helpers")
def planted_links_host_files_helpers(ctx):
    """The sandbox library's own host-side file helpers (host_files.h),
    driven over a planted work dir by host_files_driver.c: read back, copy
    out, write into, and delete the dir."""
    driver = ctx.suite.host_files_driver
    if not driver:
        if ctx.suite.host_files_broken:
            ctx.expect(False, "the driver builds", "built", ctx.suite.host_files_reason)
            return
        ctx.skip(ctx.suite.host_files_reason)
    before = {v: host.fingerprint(v) for v in _victims(ctx)}
    work = ctx.workdir(["fsprobe"])
    res = ctx.run("fsprobe", _plant_args(ctx) + ["write", "/box/result.txt", "fine"],
                  workdir=work)
    if not ctx.expect_status(res, "ok"):
        return
    _expect_nothing_planted_came_back(ctx, work)
    # The helpers must hold even where a box could leave links (a work dir
    # bound into the box, a future caller): plant them from the host side.
    _plant_on_host(ctx, work)
    copies = ctx.workdir()
    out = subprocess.run([driver, work, copies], capture_output=True, text=True, timeout=30)
    ctx.expect(out.returncode == 0 and out.stdout, "the driver ran", "exit 0",
               f"exit {out.returncode}: {out.stderr.strip()[:300]}")
    for line in out.stdout.splitlines():
        head, _, verdict = line.partition(": ")
        op, _, path = head.partition(" ")
        if path.startswith(ctx.suite.tool_prefix):
            continue
        if op in ("read", "copy") and path == "result.txt":
            ctx.expect(verdict.startswith("ok"), f"{op} of a plain result file works "
                       "(control)", "ok", verdict)
        elif op == "remove":
            ctx.expect(verdict.startswith("ok"), "the planted work dir is removed", "ok",
                       verdict)
        else:
            ctx.expect(verdict.startswith("refused"), f"{op} {path} is refused", "refused",
                       verdict)
    expected_copies = {"copy-result.txt", "copy-" + ctx.suite.tool_name("fsprobe")}
    ctx.expect(set(os.listdir(copies)) == expected_copies,
               "only the plain files were copied out", sorted(expected_copies),
               sorted(os.listdir(copies)))
    ctx.expect(not os.path.lexists(work), "the work dir is gone", "gone", "present")
    for planted in ("/etc/rbxsec-planted", "/etc/rbxsec-planted-dir", "/tmp/rbxsec-planted-dir",
                    os.path.join(os.path.dirname(ctx.suite.state_secret_path),
                                 "rbxsec-planted")):
        present = os.path.lexists(planted)
        ctx.expect(not present, f"host {planted} not created", "absent", "present")
        if present:
            _remove_planted(planted)
    after = {v: host.fingerprint(v) for v in _victims(ctx)}
    for v in before:
        ctx.expect(before[v] == after[v], f"host {v} unchanged", before[v], after[v])


def _planted_names(ctx):
    args = _plant_args(ctx)
    names, i = [], 0
    while i < len(args):
        op = args[i]
        path = args[i + 1] if op == "mkfifo" else args[i + 2]
        names.append((op, args[i + 1], os.path.basename(path)))
        i += 2 if op == "mkfifo" else 3
    return names


def _expect_nothing_planted_came_back(ctx, work):
    for op, _, name in _planted_names(ctx):
        path = os.path.join(work, name)
        ctx.expect(not os.path.lexists(path), f"the box's {op} /box/{name} did not reach the "
                   "host's work dir", "absent", "present")


def _plant_on_host(ctx, work):
    """What a box with its work dir bound in could leave: the symlinks and
    the FIFO (its hard links to host files fail anyway, see planted_links)."""
    for op, target, name in _planted_names(ctx):
        path = os.path.join(work, name)
        if op == "symlink":
            os.symlink(target, path)
        elif op == "mkfifo":
            os.mkfifo(path, 0o644)


def _remove_planted(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.unlink(path)
