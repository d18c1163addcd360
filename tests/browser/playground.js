// The playground in a real browser: headless Debian chromium against a real
// runbox stack (nginx, the pool, the sandbox, real compilers). Screenshots of
// each state go to $RUNBOX_BUILD/browser-screenshots.

"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { Browser } = require("./lib/browser");
const { runAll, test } = require("./lib/runner");
const { Stack } = require("./lib/stack");

const TOP = process.env.RUNBOX_SRCDIR || path.resolve(__dirname, "..", "..");
const BUILD = process.env.RUNBOX_BUILD || path.join(TOP, "build", "default");
const SHOTS = path.join(BUILD, "browser-screenshots");

// What waits on the service (a compile, a run) gets longer than the 15 s a
// browser action gets: CI's two cores may be busy.
const SERVICE_MS = 60000;

let stack;
let browser;
let key;

// ---- helpers: what a learner does, in playwright terms -------------------

async function open(fx) {
  await fx.page.goto(stack.url + "/");
  await fx.page.waitForSelector("#language:not([disabled])");
}

async function enterKey(fx, value = key) {
  const { page } = fx;
  await page.waitForSelector("#key-dialog[open]");
  await page.fill("#key-input", value);
  await page.click("#key-submit");
}

async function openWithKey(fx) {
  await open(fx);
  await enterKey(fx);
  await closed(fx.page, "key-dialog");
  await fx.page.waitForSelector("#run:not([disabled])");
}

function cm(page, fn, arg) {
  return page.evaluate(([body, a]) => {
    const ed = document.querySelector(".CodeMirror").CodeMirror;
    return new Function("cm", "arg", body)(ed, a);
  }, [fn, arg]);
}

// A closed <dialog> is hidden, which waitForSelector would wait on forever.
function closed(page, id) {
  return page.waitForFunction((i) => !document.getElementById(i).open, id, { timeout: SERVICE_MS });
}

const setCode = (page, text) => cm(page, "cm.setValue(arg)", text);
const code = (page) => cm(page, "return cm.getValue()");

async function pickLanguage(page, id) {
  await page.selectOption("#language", id);
}

// Waits until the editor holds exactly `text`, or text containing `part`.
async function waitCode(page, { text, part }, what) {
  await page.waitForFunction(([t, p]) => {
    const v = document.querySelector(".CodeMirror").CodeMirror.getValue();
    return t !== undefined ? v === t : v.includes(p);
  }, [text, part], { timeout: SERVICE_MS }).catch(() => {
    throw new Error("the editor never showed " + what);
  });
}

// Waits until the editor's option `name` is `value` (a language switch sets
// the mode once the language's example has come back from the service).
async function waitOption(page, name, value) {
  await page.waitForFunction(([n, v]) => {
    return document.querySelector(".CodeMirror").CodeMirror.getOption(n) === v;
  }, [name, value], { timeout: SERVICE_MS }).catch(() => {
    throw new Error("the editor's " + name + " never became " + value);
  });
}

// Waits until the language picker shows `id`.
async function waitLanguage(page, id) {
  await page.waitForFunction((i) => document.getElementById("language").value === i, id,
                             { timeout: SERVICE_MS }).catch(() => {
    throw new Error("the language picker never showed " + id);
  });
}

// Waits for the verdict of the run in flight and returns its text.
async function verdict(page) {
  await page.waitForSelector("#verdict:not(.running):not(.idle)", { timeout: SERVICE_MS });
  return page.textContent("#verdict");
}

async function answer(page, label) {
  await page.waitForSelector("#ask-dialog[open]");
  await page.click(`#ask-buttons button:text-is("${label}")`);
  await closed(page, "ask-dialog");
}

function apiGet(pathname) {
  return new Promise((resolve, reject) => {
    http.get(stack.url + "/api/v1/code" + pathname, { headers: { Authorization: "Bearer " + key } },
      (r) => {
        r.resume();
        r.on("end", () => resolve(r.statusCode));
      }).on("error", reject);
  });
}

// ---- the tests ------------------------------------------------------------

test("key", "asked once, kept in sessionStorage, sent only as the Bearer header", async (fx) => {
  const { page } = fx;
  await open(fx);
  await page.waitForSelector("#key-dialog[open]"); // asked on the first visit
  await fx.screenshot("asked");

  await enterKey(fx, "rbx_not-a-key");
  await page.waitForSelector("#key-error:not([hidden])", { timeout: SERVICE_MS });
  assert.match(await page.textContent("#key-error"), /refused/);
  assert.equal(await page.inputValue("#key-input"), "", "a refused key is not left in the field");
  await fx.screenshot("refused");

  await enterKey(fx);
  await closed(page, "key-dialog");
  assert.equal((await page.textContent("#key-state")).trim(), "key entered");
  assert.equal(await page.inputValue("#key-input"), "", "the field is cleared once the key is taken");

  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem("runbox.key"),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)),
    cookies: document.cookie,
    fields: [...document.querySelectorAll("input, textarea")].map((e) => e.value),
  }));
  assert.equal(stored.session, key);
  assert.ok(!stored.local.some((v) => v.includes(key)), "nothing of the key in localStorage");
  assert.equal(stored.cookies, "");
  assert.ok(!stored.fields.some((v) => v.includes(key)), "no field shows the key");
  assert.ok(!(await page.content()).includes(key), "the page never shows the key");

  // The key leaves the page only as "Authorization: Bearer <key>".
  let sent = 0;
  for (const r of fx.requests) {
    const h = await r.allHeaders();
    assert.ok(!r.url().includes(key), "key in a URL: " + r.url());
    assert.ok(!(r.postData() || "").includes(key), "key in a body: " + r.url());
    for (const [name, v] of Object.entries(h)) {
      if (v.includes(key)) {
        assert.equal(name, "authorization");
        assert.equal(v, "Bearer " + key);
        sent++;
      }
    }
  }
  assert.ok(sent >= 1, "the key was sent");

  // Asked once: a reload in the same tab does not ask again.
  await page.reload();
  await page.waitForSelector("#run:not([disabled])");
  assert.equal(await page.isVisible("#key-dialog"), false);
  assert.equal((await page.textContent("#key-state")).trim(), "key entered");
  await fx.screenshot("entered");
});

test("editor", "the language's mode, line numbers, Tab indenting, bracket matching", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  const label = await page.textContent("#language option:checked");
  assert.match(label, /^Python \(\d+\.\d+/, "the picker names the version");
  assert.deepEqual(await cm(page, "return cm.getOption('mode')"), { name: "python", version: 3 });

  await setCode(page, "");
  await page.click(".CodeMirror");
  await page.keyboard.type("def f(x):");
  await page.keyboard.press("Enter");
  await page.keyboard.type("return x");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  await page.keyboard.type("pass");
  assert.equal(await code(page), "def f(x):\n    return x\n\n    pass",
               "Tab indents by four spaces instead of leaving the editor");
  assert.ok(await page.isVisible(".CodeMirror-focused"), "the editor keeps the focus after Tab");
  assert.ok((await page.$$(".CodeMirror-linenumber")).length >= 4, "line numbers are shown");
  assert.ok(await page.$(".cm-keyword"), "the Python mode highlights keywords");

  await cm(page, "cm.setCursor({line: 0, ch: 6})");
  await page.waitForSelector(".CodeMirror-matchingbracket");
  await fx.screenshot("python");

  // Esc leaves the editor for Run, so a keyboard user is never stuck in it.
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.activeElement.id), "run");

  await pickLanguage(page, "go");
  await answer(page, "Show the Go code");
  await waitOption(page, "mode", "text/x-go");
  assert.equal(await cm(page, "return cm.getOption('mode')"), "text/x-go");
  assert.equal(await cm(page, "return cm.getOption('indentWithTabs')"), true);
});

test("hello", "python hello world: Run stays disabled while the run is in flight", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  await setCode(page, 'print("Hello, World!")');

  // Hold the request at the browser until the page has been looked at; it
  // then goes to the real service unchanged.
  let release;
  const held = new Promise((r) => { release = r; });
  let executes = 0;
  await page.route("**/api/v1/code/execute", async (route) => {
    executes++;
    await held;
    await route.continue();
  });
  await page.click(".CodeMirror");
  await page.keyboard.press("Control+Enter");
  await page.waitForSelector("#run[disabled]");
  assert.equal((await page.textContent("#run")).trim(), "Running…");
  await page.click("#run", { force: true }).catch(() => {});
  await page.keyboard.press("Control+Enter");
  await fx.screenshot("running");
  release();

  const v = await verdict(page);
  assert.match(v, /^Success/);
  await page.unroute("**/api/v1/code/execute");
  assert.equal(executes, 1, "a second Run while one is in flight sends nothing");
  assert.equal(await page.textContent(".stream-stdout pre"), "Hello, World!\n");
  assert.equal(await page.textContent(".stream-stderr pre"), "(empty)");
  const meta = await page.textContent("#meta");
  assert.match(meta, /time \d+ ms/);
  assert.match(meta, /memory [\d.]+ (KB|MB)/);
  assert.ok(await page.isEnabled("#run"), "Run is enabled again after the answer");
  await fx.screenshot("done");
});

test("compile-error", "C compile error: diagnostics marked at their line, a click jumps there", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "c");
  await waitCode(page, { part: "#include" }, "the C example");
  await setCode(page, '#include <stdio.h>\n\nint main(void) {\n    printf("hi\\n")\n    return 0;\n}\n');
  await page.click("#run");
  assert.match(await verdict(page), /^Compile error/);
  await page.waitForSelector("#diagnostics li", { timeout: SERVICE_MS });
  const first = await page.textContent("#diagnostics li .diag-line");
  assert.match(first, /^line 4:\d+$/);
  assert.match(await page.textContent("#diagnostics li .diag-message"), /expected ‘;’/);
  assert.match(await page.textContent(".stream-compile pre"), /main\.c:4:\d+: error/);

  const marked = await cm(page, `
    const out = [];
    for (let i = 0; i < cm.lineCount(); i++) {
      const info = cm.lineInfo(i);
      if ((info.bgClass || "").includes("diag-error")) out.push(i + 1);
    }
    return out;`);
  assert.deepEqual(marked, [4], "line 4 and only it is marked");
  // And it shows: the marked line's number in the gutter is 4.
  const shown = await page.evaluate(() => {
    const bg = document.querySelector(".CodeMirror-linebackground.diag-error");
    const wrap = bg && bg.parentElement;
    return wrap && wrap.querySelector(".CodeMirror-linenumber").textContent;
  });
  assert.equal(shown, "4");
  assert.ok(await page.$(".CodeMirror-gutter-wrapper .diag-sign.diag-error"), "a sign in the gutter");

  await cm(page, "cm.setCursor({line: 0, ch: 0})");
  await page.click("#diagnostics li .diag-line");
  assert.deepEqual(await cm(page, "const c = cm.getCursor(); return [c.line, cm.hasFocus()]"),
                   [3, true], "the cursor is on line 4, in the editor");
  await fx.screenshot("marked");
});

test("verdicts", "each verdict with its reason: time limit, memory limit, a signal, an exit code", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  assert.equal(await page.getAttribute("#limit-time", "placeholder"), "10",
               "the time limit field shows the language's default");
  await page.fill("#limit-time", "1");
  await page.fill("#limit-memory", "32");
  const runs = [
    ["while True: pass", /^Time limit exceeded \S.*time limit/, "time-limit"],
    ["x = bytearray(200 * 1024 * 1024)", /^Memory limit exceeded memory limit/, "memory-limit"],
    ["import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)",
     /^Runtime error SIGSEGV: segmentation fault/, "signal"],
    ['import sys\nprint("partial")\nprint("oops", file=sys.stderr)\nsys.exit(3)',
     /^Runtime error exit code 3$/, "exit-code"],
  ];
  for (const [src, expected, state] of runs) {
    await setCode(page, src);
    const sent = page.waitForRequest("**/api/v1/code/execute");
    await page.click("#run");
    assert.deepEqual(JSON.parse((await sent).postData()).limits,
                     { wall_time_ms: 1000, cpu_time_ms: 1000, memory_kb: 32768 });
    assert.match((await verdict(page)).trim(), expected);
    await fx.screenshot(state);
  }
  assert.equal(await page.textContent(".stream-stdout pre"), "partial\n");
  assert.equal(await page.textContent(".stream-stderr pre"), "oops\n");
  assert.match(await page.textContent("#meta"), /exit 3/);
});

test("check-and-forget", "Check validates without running; forgetting the key asks again", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  await setCode(page, "def f(:\n    pass\n");
  let executes = 0;
  page.on("request", (r) => { if (r.url().endsWith("/execute")) executes++; });
  await page.click("#check");
  assert.match(await verdict(page), /^Compile error/);
  assert.match(await page.textContent("#diagnostics li .diag-line"), /^line 1:\d+$/);
  assert.deepEqual(await cm(page, "return [0, 1].map((i) => cm.lineInfo(i).bgClass || '')"),
                   ["diag-error", ""]);
  // Editing the marked line takes its mark away; the other lines keep theirs.
  await cm(page, "cm.focus(); cm.setCursor({line: 0, ch: 6})");
  await page.keyboard.type(")");
  assert.equal(await code(page), "def f():\n    pass\n");
  assert.equal(await page.$(".CodeMirror-linebackground.diag-error"), null,
               "the edited line is no longer marked");
  assert.equal(await page.$(".CodeMirror-gutter-wrapper .diag-sign"), null);
  await setCode(page, "def f():\n    pass\n");
  await page.click("#check");
  assert.match(await verdict(page), /^No problems/);
  assert.equal(await page.$(".CodeMirror-linebackground.diag-error"), null, "the marks are gone");
  assert.equal(executes, 0, "Check never runs the program");
  await fx.screenshot("checked");

  await page.click("#key-forget");
  await page.waitForSelector("#key-dialog[open]");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("runbox.key")), null);
  await page.click("#key-cancel");
  await closed(page, "key-dialog");
  assert.equal((await page.textContent("#key-state")).trim(), "no key");
  await page.click("#run");
  await page.waitForSelector("#key-dialog[open]"); // Run without a key asks for one
  await enterKey(fx);
  await closed(page, "key-dialog");
});

test("test-cases", "two test cases, one failing: per-case verdict, actual vs expected, time, memory", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  await setCode(page, "a, b = map(int, input().split())\nprint(a + b)\n");
  await page.click('[role="tab"][data-tab="cases"]');
  await page.click("#case-add");
  await page.click("#case-add");
  await page.locator(".case-stdin").nth(0).fill("1 2\n");
  await page.locator(".case-expected").nth(0).fill("3");
  await page.locator(".case-stdin").nth(1).fill("2 2\n");
  await page.locator(".case-expected").nth(1).fill("5");
  assert.equal(await page.textContent("#case-count"), "2");
  await fx.screenshot("cases");

  const sent = page.waitForRequest("**/api/v1/code/execute");
  await page.click("#run");
  const body = JSON.parse((await sent).postData());
  assert.deepEqual(body.test_cases, [{ stdin: "1 2\n", expected_output: "3" },
                                     { stdin: "2 2\n", expected_output: "5" }]);
  const v = await verdict(page);
  assert.match(v, /^Wrong answer/);
  assert.match(v, /1 of 2 cases passed/);

  const results = page.locator(".case-result");
  assert.equal(await results.count(), 2);
  const [one, two] = [results.nth(0), results.nth(1)];
  assert.match(await one.getAttribute("class"), /\bpassed\b/);
  assert.match(await one.locator("summary").textContent(), /^case 1: ✓ passed · \d+ ms · [\d.]+ (KB|MB)$/);
  assert.match(await two.getAttribute("class"), /\bfailed\b/);
  assert.match(await two.locator("summary").textContent(), /^case 2: ✗ wrong answer · \d+ ms · [\d.]+ (KB|MB)$/);
  assert.ok(await two.evaluate((d) => d.open), "a failing case is shown open");
  assert.equal(await two.locator(".stream-expected pre").textContent(), "5");
  assert.equal(await two.locator(".stream-actual pre").textContent(), "4\n");
  await fx.screenshot("graded");
});

test("history", "a run opens back into the editor, and one is deleted", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  await setCode(page, 'print("from the history")');
  await page.click("#run");
  assert.match(await verdict(page), /^Success/);
  await setCode(page, 'print("something else")');

  await page.click('[role="tab"][data-tab="history"]');
  const first = page.locator("#history li").first();
  await first.waitFor({ timeout: SERVICE_MS });
  assert.match(await first.textContent(), /python · success/);
  const id = await first.getAttribute("data-id");
  await fx.screenshot("list");

  await first.locator("button:text-is('open')").click();
  await page.waitForSelector("#ask-dialog[open]");
  await fx.screenshot("open-asks");
  await answer(page, "Open it");
  await waitCode(page, { text: 'print("from the history")' }, "the run's code");
  assert.match(await page.textContent("#verdict"), /^Success/);
  assert.equal(await page.textContent(".stream-stdout pre"), "from the history\n");
  await fx.screenshot("opened");

  const before = await page.textContent("#history-total");
  await page.locator(`#history li[data-id="${id}"] button:text-is('delete')`).click();
  await answer(page, "Delete");
  await page.waitForSelector(`#history li[data-id="${id}"]`, { state: "detached" });
  await page.waitForFunction((b) => document.getElementById("history-total").textContent !== b,
                             before);
  assert.equal(parseInt(await page.textContent("#history-total"), 10), parseInt(before, 10) - 1);
  assert.equal(await apiGet("/history/" + id), 404, "the service no longer has the run");
  await fx.screenshot("deleted");
});

test("language-switch", "language switch asks before replacing edited code; each language's code is kept", async (fx) => {
  const { page } = fx;
  await openWithKey(fx);
  await pickLanguage(page, "python");
  await setCode(page, 'print("my python")');

  await pickLanguage(page, "c");
  await page.waitForSelector("#ask-dialog[open]");
  assert.match(await page.textContent("#ask-message"), /^Switch to C\?/);
  await fx.screenshot("asks");
  await answer(page, "Show the C code");
  await waitCode(page, { part: "#include <stdio.h>" }, "the C example");
  await waitOption(page, "mode", "text/x-csrc");
  assert.equal(await cm(page, "return cm.getOption('mode')"), "text/x-csrc");

  // The C example is untouched: back to Python without a question, and the
  // Python code is there again.
  await pickLanguage(page, "python");
  await waitCode(page, { text: 'print("my python")' }, "the kept Python code");
  assert.equal(await page.isVisible("#ask-dialog"), false);

  // "Stay" leaves language and code as they were.
  await pickLanguage(page, "go");
  await answer(page, "Stay in Python");
  await waitLanguage(page, "python");
  assert.equal(await page.inputValue("#language"), "python");
  assert.equal(await code(page), 'print("my python")');

  // "Keep this text" takes the code along to the new language.
  await pickLanguage(page, "javascript");
  await answer(page, "Keep this text as JavaScript (Node.js)");
  await waitLanguage(page, "javascript");
  await waitOption(page, "mode", "text/javascript");
  assert.equal(await code(page), 'print("my python")');

  // The code of each language survives a reload of the tab.
  await page.reload();
  await page.waitForSelector("#run:not([disabled])");
  await waitLanguage(page, "javascript");
  await pickLanguage(page, "python");
  await waitCode(page, { text: 'print("my python")' }, "the Python code after a reload");
});

test("phone", "phone-sized window: one column, nothing wider than the screen", async (fx) => {
  const { page } = fx;
  await page.setViewportSize({ width: 390, height: 844 });
  await open(fx);
  const dialog = await page.locator("#key-dialog").boundingBox();
  assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 390, "the key dialog fits");
  await fx.screenshot("key");
  await enterKey(fx);
  await page.waitForSelector("#run:not([disabled])");
  await pickLanguage(page, "python");
  await setCode(page, 'print("Hello from a phone")');
  await page.click("#run");
  assert.match(await verdict(page), /^Success/);

  const layout = await page.evaluate(() => {
    const box = (s) => document.querySelector(s).getBoundingClientRect();
    return { scroll: document.documentElement.scrollWidth, editor: box(".editor-pane"),
             side: box(".side"), run: box("#run"), verdict: box("#verdict") };
  });
  assert.ok(layout.scroll <= 390, `no horizontal scrolling (page is ${layout.scroll} px wide)`);
  assert.ok(layout.editor.width <= 390 && layout.editor.width >= 300, "the editor takes the width");
  assert.ok(layout.editor.height >= 844 / 3, `the editor is tall enough to write in (${layout.editor.height} px)`);
  assert.ok(layout.side.top >= layout.editor.bottom - 1, "the result comes below the editor");
  assert.ok(layout.run.right <= 390 && layout.run.top >= 0, "Run is on the screen");
  assert.ok(layout.verdict.right <= 390);
  await fx.screenshot("ran");
});

test("own-origin", "the page makes no request outside its own origin; CodeMirror comes from nginx", async (fx) => {
  await openWithKey(fx);
  const all = browser.requests;
  assert.ok(all.length > 20, `requests were recorded (${all.length})`);
  const outside = all.map((r) => r.url()).filter((u) => new URL(u).origin !== stack.url);
  assert.deepEqual(outside, []);
  const editorJs = browser.responses.filter((r) =>
    new URL(r.url).pathname === "/codemirror/lib/codemirror.js");
  assert.ok(editorJs.length, "codemirror.js was loaded from the page's own server");
  assert.ok(editorJs.every((r) => r.status === 200 || r.status === 304), "and served");
  const policy = (await fx.page.goto(stack.url + "/")).headers()["content-security-policy"];
  assert.match(policy || "", /default-src 'self'/, "the page is served with a same-origin policy");
});

// ---- the suite --------------------------------------------------------------

async function main() {
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  stack = new Stack(TOP, BUILD);
  browser = new Browser(SHOTS);
  let counts = { passed: 0, failed: 1 };
  const stop = async () => {
    await browser.close();
    await stack.stop();
  };
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => stop().finally(() => process.exit(1)));
  }
  try {
    await stack.start();
    key = await stack.newKey("learner");
    await browser.launch();
    counts = await runAll(async (name) => {
      const fx = await browser.page(name);
      fx.origin = stack.url;
      return fx;
    }, (fx) => fx.close());
  } catch (e) {
    console.log("the suite could not run: " + (e && e.stack ? e.stack : e));
  } finally {
    await stop();
  }
  console.log(`screenshots: ${SHOTS}`);
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed ? 1 : 0);
}

main();
