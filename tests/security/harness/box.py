"""Running one program through the runbox-sandbox CLI and reading its report.

The CLI prints one JSON object (DESIGN.md section 2). BoxResult keeps it
whole, plus what the runner saw from outside: the CLI's exit code, its
stderr, how long the call took, and the pid namespaces the hostile programs
announced on their stderr (see hostile/hostile.h).
"""

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field

PIDNS_RE = re.compile(r"rbxsec-pidns pid:\[(\d+)\]")

# Limits every run gets unless the case says otherwise: small enough that a
# hostile program that is not contained still ends the suite quickly.
DEFAULT_LIMITS = {
    "cpu-ms": 3000,
    "wall-ms": 6000,
    "memory-kb": 131072,
    "processes": 32,
    "output-kb": 64,
}


@dataclass
class BoxResult:
    cli_rc: int
    cli_stderr: str
    elapsed_ms: float
    report: dict = field(default_factory=dict)
    parse_error: str = ""
    ended: float = 0.0  # seconds since boot when the CLI returned

    def get(self, key, default=None):
        return self.report.get(key, default)

    @property
    def status(self):
        return self.report.get("status", "<no report>")

    @property
    def stdout(self):
        return self.report.get("stdout") or ""

    @property
    def stderr(self):
        return self.report.get("stderr") or ""

    @property
    def reported(self):
        """The CLI answered with a JSON report."""
        return not self.parse_error and "status" in self.report

    @property
    def pidns(self):
        """Pid namespace inodes the box's programs announced."""
        return set(PIDNS_RE.findall(self.stderr))

    def lines(self, prefix):
        """stdout lines starting with prefix."""
        return [l for l in self.stdout.splitlines() if l.startswith(prefix)]

    def line(self, prefix):
        found = self.lines(prefix)
        return found[0] if found else None

    def summary(self):
        if not self.reported:
            return (f"no report (cli exit {self.cli_rc}, {self.parse_error}); "
                    f"cli stderr: {self.cli_stderr.strip()[:300]!r}")
        keep = {k: self.report.get(k) for k in (
            "status", "exit_code", "signal", "cpu_time_ms", "wall_time_ms",
            "memory_kb", "truncated", "message")}
        out = self.stdout
        if len(out) > 400:
            out = out[:400] + f"...({len(self.stdout)} bytes)"
        err = self.stderr
        if len(err) > 200:
            err = err[:200] + f"...({len(self.stderr)} bytes)"
        return f"{json.dumps(keep)} stdout={out!r} stderr={err!r}"


class Sandbox:
    """The CLI, run as root or, in rootless mode, as an unprivileged user."""

    def __init__(self, binary, mode, user=None, env_extra=None):
        self.binary = binary
        self.mode = mode
        self.user = user  # (uid, gid) for rootless mode
        self.env_extra = dict(env_extra or {})
        self.launched = set()  # pids of every CLI started (setpriv execs it: same pid)
        self.probe = {}

    def load_probe(self):
        """What the sandbox says it can do here (runbox-sandbox --probe)."""
        cmd = self.command(["true"])
        cmd = cmd[:cmd.index(self.binary) + 1] + ["--probe"]
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.environment(),
                             timeout=30)
        try:
            self.probe = json.loads(out.stdout)
        except json.JSONDecodeError:
            self.probe = {}
        return self.probe

    def has_cgroup_limits(self):
        return self.probe.get("cgroup") in ("v1", "v2")

    def command(self, argv, limits=None, workdir=None, env=(), stdin=None):
        lim = dict(DEFAULT_LIMITS)
        lim.update(limits or {})
        cmd = [self.binary]
        for key, value in lim.items():
            if value is not None:
                cmd += [f"--{key}", str(value)]
        if stdin:
            cmd += ["--stdin", stdin]
        if workdir:
            cmd += ["--workdir", workdir]
        for item in env:
            cmd += ["--env", item]
        cmd += ["--", *argv]
        if self.mode == "rootless":
            uid, gid = self.user
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                   "--inh-caps=-all", "--"] + cmd
        return cmd

    def environment(self, extra=None):
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}
        env.update(self.env_extra)
        env.update(extra or {})
        return env

    def start(self, argv, host_env=None, pass_fds=(), **kw):
        """Start a run without waiting; finish() it later."""
        proc = subprocess.Popen(
            self.command(argv, **kw), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=self.environment(host_env), pass_fds=pass_fds,
            start_new_session=True)
        proc.started_at = time.monotonic()
        self.launched.add(proc.pid)
        return proc

    @staticmethod
    def finish(proc, timeout=60):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
            err += b"\n[runner: the CLI did not return within %d s and was killed]" % timeout
        elapsed = (time.monotonic() - proc.started_at) * 1000
        res = BoxResult(proc.returncode, err.decode(errors="replace"), elapsed,
                        ended=time.clock_gettime(time.CLOCK_BOOTTIME))
        text = out.decode(errors="replace").strip()
        try:
            res.report = json.loads(text) if text else {}
            if not text:
                res.parse_error = "empty stdout"
        except json.JSONDecodeError as exc:
            res.parse_error = f"stdout is not JSON ({exc}): {text[:200]!r}"
        return res

    def run(self, argv, timeout=None, **kw):
        """Run and wait; a CLI that overruns the wall limit by 10 s is killed
        (and the case fails on the missing report)."""
        if timeout is None:
            lim = dict(DEFAULT_LIMITS)
            lim.update(kw.get("limits") or {})
            timeout = lim["wall-ms"] / 1000 + 10
        return self.finish(self.start(argv, **kw), timeout)
