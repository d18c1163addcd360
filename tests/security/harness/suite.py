"""Cases, their context, and the pass/fail/skip ledger.

A case is a function taking a Context. It states what it expects with
ctx.expect(ok, what, expected, got); every failed expectation is printed with
what was expected and what happened, and any failed expectation fails the
case. ctx.skip(reason) ends a case as skipped (never counted as passed).
After every case the runner checks that no process of the case's boxes is
left on the host.
"""

import time
import traceback

from . import host

CASES = []


def case(name, modes=("root", "rootless")):
    """Register a case; modes says which runs of the suite it belongs to."""
    def register(fn):
        CASES.append((name, fn, modes))
        return fn
    return register


class Skip(Exception):
    pass


class Context:
    def __init__(self, suite, sandbox, mode, name):
        self.suite = suite
        self.box = sandbox
        self.mode = mode
        self.name = name
        self.failures = []
        self.notes = []
        self.results = []
        self._workdirs = []

    # -- expectations -------------------------------------------------
    def expect(self, ok, what, expected, got):
        if not ok:
            self.failures.append((what, expected, got))
        return ok

    def note(self, text):
        self.notes.append(text)

    def skip(self, reason):
        raise Skip(reason)

    def expect_reported(self, res):
        """The CLI answered with a report; rootless runs the sandbox says it
        cannot do are skips, not failures."""
        if (self.mode == "rootless" and res.reported and res.status == "internal_error"
                and self.suite.rootless_unsupported(res.get("message") or "")):
            self.skip(f"sandbox cannot do this rootless: {res.get('message')}")
        return self.expect(res.reported and res.cli_rc == 0, "the CLI reports JSON and exits 0",
                           "a JSON report", res.summary())

    def expect_status(self, res, allowed, what="verdict"):
        if not self.expect_reported(res):
            return False
        allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
        return self.expect(res.status in allowed, what, " or ".join(allowed), res.summary())

    # -- resources ----------------------------------------------------
    def workdir(self, tools=()):
        """A fresh host directory for /box holding copies of the named
        hostile programs, owned so that the box can write to it."""
        path = self.suite.new_workdir(self.mode, self.name)
        for tool in tools:
            self.suite.install_tool(path, tool)
        self._workdirs.append(path)
        return path

    def run(self, tool, args=(), workdir=None, **kw):
        """Run one hostile program (copied into a fresh /box)."""
        if workdir is None:
            workdir = self.workdir([tool])
        else:
            self.suite.install_tool(workdir, tool)
        res = self.box.run(["/box/" + self.suite.tool_name(tool), *map(str, args)],
                           workdir=workdir, **kw)
        self.results.append(res)
        return res

    def run_argv(self, argv, workdir=None, **kw):
        """Run a program of the box's own /usr."""
        if workdir is None:
            workdir = self.workdir()
        res = self.box.run(list(argv), workdir=workdir, **kw)
        self.results.append(res)
        return res

    def start(self, tool, args=(), workdir=None, **kw):
        if workdir is None:
            workdir = self.workdir([tool])
        else:
            self.suite.install_tool(workdir, tool)
        return self.box.start(["/box/" + self.suite.tool_name(tool), *map(str, args)],
                              workdir=workdir, **kw)

    def finish(self, proc, timeout=60):
        res = self.box.finish(proc, timeout)
        self.results.append(res)
        return res

    def cleanup(self):
        for path in self._workdirs:
            self.suite.remove_tree(path)

    # -- the check after every case -------------------------------------
    def check_no_leftover_processes(self):
        def leftovers():
            found = host.processes_matching(self.suite.tool_prefix)
            for res in self.results:
                found.update(host.processes_in_pidns(res.pidns, started_before=res.ended))
            return found
        left = host.wait_gone(leftovers, timeout=1.0)
        self.expect(not left, "no process of this case's boxes is left on the host",
                    "none", "; ".join(host.describe(p, i) for p, i in left.items()))


def run_case(suite, sandbox, mode, name, fn):
    ctx = Context(suite, sandbox, mode, name)
    start = time.monotonic()
    outcome = "PASS"
    detail = ""
    try:
        fn(ctx)
        ctx.check_no_leftover_processes()
        if ctx.failures:
            outcome = "FAIL"
    except Skip as exc:
        outcome, detail = "SKIP", str(exc)
    except Exception:  # a broken case is a failed case, with its traceback
        outcome = "FAIL"
        ctx.failures.append(("the case runs to its end", "no exception",
                             traceback.format_exc().strip()))
    finally:
        ctx.cleanup()
    secs = time.monotonic() - start
    label = f"{mode}/{name}"
    line = f"{outcome} {label} ({secs:.1f} s)"
    if detail:
        line += f": {detail}"
    print(line, flush=True)
    for what, expected, got in ctx.failures:
        print(f"    {what}\n      expected: {expected}\n      got:      {got}", flush=True)
    for text in ctx.notes:
        print(f"    note: {text}", flush=True)
    if suite.verbose:
        for res in ctx.results:
            print(f"    run: {res.summary()}", flush=True)
    return outcome
