// The playground: wires the editor, the language picker, the inputs, the
// test cases and the history to the runbox API.

import { api, ApiError, hasKey } from "./api.js";
import { Cases } from "./cases.js";
import { createEditor } from "./editor.js";
import { History } from "./history.js";
import { askKey, initKey, keyRefused } from "./key.js";
import { Languages } from "./languages.js";
import * as result from "./result.js";

const $ = (id) => document.getElementById(id);
const runButton = $("run");
const checkButton = $("check");
let busy = false;

const editor = createEditor($("editor"), { onRun: run, onLeave: () => runButton.focus() });
const languages = new Languages($("language"), editor);
languages.onLanguage = showDefaultLimits;
const cases = new Cases($("cases"), $("case-add"), $("case-count"));
const history = new History(
  { list: $("history"), total: $("history-total"), more: $("history-more"),
    refresh: $("history-refresh") },
  { onOpen: openRun, onError: failed },
);

runButton.addEventListener("click", run);
checkButton.addEventListener("click", check);
// Ctrl-Enter from stdin, arguments or a test case runs too.
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    run();
  }
});
initTabs();

function submission() {
  const body = { language: languages.current, code: editor.text };
  const args = $("args").value.split("\n");
  while (args.length && args[args.length - 1] === "") args.pop();
  if (args.length) body.args = args;
  const limits = readLimits();
  if (limits) body.limits = limits;
  const tc = cases.read();
  if (tc) body.test_cases = tc;
  else if ($("stdin").value) body.stdin = $("stdin").value;
  return body;
}

// One time limit as a learner thinks of it: both the wall and the CPU time.
function readLimits() {
  const limits = {};
  const seconds = parseFloat($("limit-time").value);
  if (seconds > 0) limits.wall_time_ms = limits.cpu_time_ms = Math.round(seconds * 1000);
  const mb = parseFloat($("limit-memory").value);
  if (mb > 0) limits.memory_kb = Math.round(mb * 1024);
  return Object.keys(limits).length ? limits : null;
}

// The fields show the language's defaults until the learner sets a limit.
function showDefaultLimits(lang) {
  const d = (lang && lang.default_limits) || {};
  $("limit-time").placeholder = d.wall_time_ms ? String(d.wall_time_ms / 1000) : "";
  $("limit-memory").placeholder = d.memory_kb ? String(Math.round(d.memory_kb / 1024)) : "";
}

function setBusy(on, label) {
  busy = on;
  runButton.disabled = on || !languages.current;
  checkButton.disabled = on || !languages.current;
  runButton.textContent = on && label === "run" ? "Running…" : "Run";
  checkButton.textContent = on && label === "check" ? "Checking…" : "Check";
}

// One request at a time: Run (and Check) stay disabled until it answers.
async function whileBusy(label, work) {
  if (busy || !languages.current) return;
  if (!hasKey()) {
    askKey();
    return;
  }
  setBusy(true, label);
  try {
    await work();
  } catch (e) {
    failed(e);
  } finally {
    setBusy(false);
  }
}

function run() {
  return whileBusy("run", async () => {
    const body = submission();
    editor.clearDiagnostics();
    result.showRunning(body.test_cases ? `Grading against ${body.test_cases.length} cases…` :
      "Running…");
    const r = await api.execute(body);
    result.showRun(r);
    if (r.status === "compile_error") await diagnose(body);
    history.reload();
  });
}

function check() {
  return whileBusy("check", async () => {
    const body = { language: languages.current, code: editor.text };
    editor.clearDiagnostics();
    result.showRunning("Checking…");
    const v = await api.validate(body);
    result.showValidation(v);
    mark(v.diagnostics || []);
  });
}

// /execute answers a compile error with the compiler's text; /validate
// turns the same code into diagnostics with lines to mark.
async function diagnose(body) {
  try {
    const v = await api.validate({ language: body.language, code: body.code });
    mark(v.diagnostics || []);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    // The compiler output is already on screen; the marks are a bonus.
  }
}

function mark(diagnostics) {
  editor.markDiagnostics(diagnostics);
  result.showDiagnostics(diagnostics, (line, column) => editor.jumpTo(line, column));
}

async function openRun(r) {
  const decode = r.base64_encoded ? fromBase64 : (s) => s;
  const opened = await languages.open(r.language.id, decode(r.code || ""));
  if (!opened) return;
  $("stdin").value = decode(r.stdin || "");
  $("args").value = (r.args || []).join("\n");
  const limits = r.limits || {};
  $("limit-time").value = limits.wall_time_ms ? String(limits.wall_time_ms / 1000) : "";
  $("limit-memory").value = limits.memory_kb ? String(Math.round(limits.memory_kb / 1024)) : "";
  cases.fill((r.results || []).filter((c) => c.stdin !== undefined).map((c) => ({
    stdin: decode(c.stdin || ""),
    expected_output: decode(c.expected_output || ""),
  })));
  result.showRun(r.base64_encoded ? decodeRun(r) : r);
  if (r.status === "compile_error") {
    await diagnose({ language: r.language.id, code: editor.text }).catch(failed);
  }
  editor.focus();
}

function fromBase64(s) {
  const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function decodeRun(r) {
  const d = { ...r, output: r.output && fromBase64(r.output), error: r.error && fromBase64(r.error) };
  if (r.compile) d.compile = { ...r.compile, output: r.compile.output && fromBase64(r.compile.output) };
  d.results = (r.results || []).map((c) => ({
    ...c,
    stdin: c.stdin && fromBase64(c.stdin),
    expected_output: c.expected_output && fromBase64(c.expected_output),
    actual_output: c.actual_output && fromBase64(c.actual_output),
    error: c.error && fromBase64(c.error),
  }));
  return d;
}

function failed(e) {
  if (e instanceof ApiError && e.status === 401) {
    keyRefused();
    result.showError(e);
    return;
  }
  result.showError(e);
}

function initTabs() {
  const tabs = document.querySelectorAll('[role="tab"]');
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        $("tab-" + t.dataset.tab).hidden = !on;
      }
      if (tab.dataset.tab === "history" && hasKey()) history.reload();
    });
  }
}

async function start() {
  try {
    await languages.load();
  } catch (e) {
    failed(e);
    return;
  }
  setBusy(false);
  initKey(() => history.reload());
  if (hasKey()) history.reload();
  editor.focus();
}

start();
