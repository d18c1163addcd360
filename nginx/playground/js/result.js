// The answer as a learner reads it: the verdict with its reason, run time and
// memory, stdout and stderr apart, compile diagnostics that lead to their
// line, and one entry per test case.

const verdict = document.getElementById("verdict");
const meta = document.getElementById("meta");
const diagList = document.getElementById("diagnostics");
const streams = document.getElementById("streams");
const caseResults = document.getElementById("case-results");
const output = document.getElementById("output");

const TITLES = {
  success: "Success",
  compile_error: "Compile error",
  runtime_error: "Runtime error",
  time_limit: "Time limit exceeded",
  memory_limit: "Memory limit exceeded",
  output_limit: "Output limit exceeded",
  wrong_answer: "Wrong answer",
  internal_error: "Internal error",
  not_run: "Not run",
};

const SIGNALS = {
  SIGSEGV: "segmentation fault: a bad memory access",
  SIGABRT: "aborted (a failed assert or abort())",
  SIGFPE: "arithmetic error (division by zero?)",
  SIGKILL: "killed",
  SIGBUS: "bus error",
  SIGILL: "illegal instruction",
  SIGXCPU: "CPU time limit",
  SIGXFSZ: "file size limit",
  SIGPIPE: "broken pipe",
  SIGTERM: "terminated",
};

export function showRunning(what) {
  output.setAttribute("aria-busy", "true");
  setVerdict("running", what);
  meta.textContent = "";
  diagList.hidden = true;
  diagList.replaceChildren();
  streams.replaceChildren();
  caseResults.replaceChildren();
}

export function showError(e) {
  output.removeAttribute("aria-busy");
  let text = e.message;
  if (e.status) {
    text = `${e.status} ${e.code}: ${e.message}` + (e.field ? ` (field ${e.field})` : "");
    if (e.retryAfter) text += `; try again in ${e.retryAfter} s`;
  }
  setVerdict("error", "Request failed", text);
}

export function showRun(r) {
  output.removeAttribute("aria-busy");
  const cases = r.results || [];
  const graded = cases.length > 0;
  const ok = r.status === "success";
  setVerdict(ok ? "ok" : "fail", TITLES[r.status] || r.status, reason(r, cases));
  meta.replaceChildren(...metaItems(r));
  streams.replaceChildren();
  if (r.status === "compile_error") {
    streams.append(stream("compiler output", (r.compile && r.compile.output) || r.error, "compile"));
  } else if (!graded) {
    streams.append(stream("stdout", r.output, "stdout"), stream("stderr", r.error, "stderr"));
  }
  caseResults.replaceChildren(...cases.map(caseEntry));
}

// Validation only (the Check button): diagnostics or "no problems".
export function showValidation(v) {
  output.removeAttribute("aria-busy");
  const n = (v.diagnostics || []).length;
  setVerdict(v.valid ? "ok" : "fail", v.valid ? "No problems" : TITLES.compile_error,
             v.valid ? "the code compiles" : count(n, "diagnostic"));
  meta.textContent = "";
  streams.replaceChildren();
  caseResults.replaceChildren();
  if (!v.valid && v.output) streams.append(stream("compiler output", v.output, "compile"));
}

export function showDiagnostics(diagnostics, onJump) {
  diagList.replaceChildren(
    ...diagnostics.map((d) => {
      const li = document.createElement("li");
      li.className = "diag diag-" + (d.severity === "warning" ? "warning" : "error");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "diag-line";
      b.textContent = d.line ? `line ${d.line}` + (d.column ? `:${d.column}` : "") : "file";
      b.title = "go to the line";
      b.addEventListener("click", () => onJump(d.line, d.column));
      const sev = document.createElement("span");
      sev.className = "diag-severity";
      sev.textContent = d.severity || "error";
      const msg = document.createElement("span");
      msg.className = "diag-message";
      msg.textContent = d.message;
      li.append(b, sev, msg);
      return li;
    }),
  );
  diagList.hidden = diagnostics.length === 0;
  const errors = diagnostics.filter((d) => d.severity !== "warning").length;
  if (errors) setReason(count(errors, "error") + " — click a line to go there");
}

function setVerdict(kind, title, why) {
  verdict.className = "verdict " + kind;
  const t = document.createElement("strong");
  t.textContent = title;
  verdict.replaceChildren(t);
  if (why) {
    const s = document.createElement("span");
    s.className = "reason";
    s.textContent = why;
    verdict.append(" ", s);
  }
}

function setReason(why) {
  let s = verdict.querySelector(".reason");
  if (!s) {
    s = document.createElement("span");
    s.className = "reason";
    verdict.append(" ", s);
  }
  s.textContent = why;
}

function reason(r, cases) {
  if (cases.length) {
    const passed = cases.filter((c) => c.passed).length;
    const which = `${passed} of ${count(cases.length, "case")} passed`;
    return r.status === "wrong_answer" || r.status === "success" ? which :
      which + "; " + (r.error_details || caseReason(cases));
  }
  switch (r.status) {
    case "success":
      return "exit code 0";
    case "compile_error":
      return "the compiler refused the code";
    case "runtime_error":
      if (r.signal) return `${r.signal}: ${SIGNALS[r.signal] || "signal"}`;
      return r.exit_code !== null && r.exit_code !== undefined ? `exit code ${r.exit_code}` :
        r.error_details || "";
    case "time_limit":
      return r.error_details || "the program ran out of time";
    case "memory_limit":
      return r.error_details || "the program ran out of memory";
    case "output_limit":
      return r.error_details || "the program printed more than the output limit";
    default:
      return r.error_details || "";
  }
}

function caseReason(cases) {
  const bad = cases.find((c) => !c.passed && c.status !== "wrong_answer");
  return bad ? (TITLES[bad.status] || bad.status).toLowerCase() : "";
}

function metaItems(r) {
  const items = [];
  const add = (label, value) => {
    const s = document.createElement("span");
    s.className = "meta-item";
    s.dataset.what = label;
    s.textContent = `${label} ${value}`;
    items.push(s);
  };
  if (r.status !== "compile_error") {
    add("time", ms(r.wall_time_ms));
    add("cpu", ms(r.cpu_time_ms));
    add("memory", kb(r.memory_kb));
    if (r.exit_code !== null && r.exit_code !== undefined) add("exit", String(r.exit_code));
    if (r.signal) add("signal", r.signal);
  }
  if (r.compile && r.compile.time_ms) {
    add("compile", ms(r.compile.time_ms) + (r.compile.cached ? " (cached)" : ""));
  }
  if (r.truncated) add("output", "cut at the output limit");
  if (r.language) add("", `${r.language.id} ${r.language.version || ""}`.trim());
  return items;
}

function stream(label, text, cls) {
  const wrap = document.createElement("div");
  wrap.className = "stream stream-" + cls;
  const h = document.createElement("h3");
  h.textContent = label;
  const pre = document.createElement("pre");
  if (text) pre.textContent = text;
  else {
    pre.textContent = "(empty)";
    pre.className = "empty";
  }
  wrap.append(h, pre);
  return wrap;
}

function caseEntry(c, i) {
  const d = document.createElement("details");
  d.className = "case-result " + (c.passed ? "passed" : "failed");
  d.open = !c.passed;
  const s = document.createElement("summary");
  const mark = c.passed ? "✓ passed" : "✗ " + (TITLES[c.status] || c.status).toLowerCase();
  s.textContent = `case ${i + 1}: ${mark} · ${ms(c.time_ms)} · ${kb(c.memory_kb)}`;
  d.append(s);
  const grid = document.createElement("div");
  grid.className = "compare";
  grid.append(
    stream("expected", c.expected_output, "expected"),
    stream("actual", c.actual_output, "actual"),
  );
  if (c.stdin !== undefined) d.append(stream("stdin", c.stdin, "stdin"));
  d.append(grid);
  if (c.error) d.append(stream("stderr", c.error, "stderr"));
  return d;
}

function ms(v) {
  return v === null || v === undefined ? "–" : `${v} ms`;
}

function kb(v) {
  if (v === null || v === undefined) return "–";
  return v >= 1024 ? `${(v / 1024).toFixed(1)} MB` : `${v} KB`;
}

function count(n, what) {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
