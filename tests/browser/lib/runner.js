// A small sequential test runner: each test gets a fresh page (its own
// sessionStorage, as a new tab would), a screenshot when it fails, and the
// suite ends with the line "N passed, N failed" that scripts/check reads.

"use strict";

const tests = [];

// slug names the test's screenshots; name says what it shows.
function test(slug, name, fn) {
  tests.push({ slug, name, fn });
}

async function runAll(makeFixture, dropFixture) {
  let passed = 0;
  let failed = 0;
  const only = process.env.RUNBOX_BROWSER_ONLY;
  for (const [i, t] of tests.entries()) {
    if (only && !t.name.includes(only) && t.slug !== only) continue;
    const started = Date.now();
    let fixture;
    try {
      fixture = await makeFixture(String(i + 1).padStart(2, "0") + "-" + t.slug);
      await t.fn(fixture);
      await fixture.assertClean();
      passed++;
      console.log(`ok   ${t.slug}: ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.slug}: ${t.name} (${Date.now() - started} ms)`);
      console.log(indent(e && e.stack ? e.stack : String(e)));
      if (fixture) await fixture.screenshot("FAILED").catch(() => {});
    } finally {
      if (fixture) await dropFixture(fixture).catch(() => {});
    }
  }
  return { passed, failed };
}

function indent(text) {
  return text.split("\n").map((l) => "     " + l).join("\n");
}

module.exports = { test, runAll };
