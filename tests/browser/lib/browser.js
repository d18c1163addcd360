// Debian's chromium, headless, driven by playwright-core: no browser is
// downloaded. One browser for the suite with a fresh profile; one page per
// test. Every request any page makes is recorded, so a test can prove the
// playground never leaves its own origin.

"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.RUNBOX_CHROMIUM || "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const DESKTOP = { width: 1280, height: 800 };

class Browser {
  constructor(shots) {
    this.shots = shots;
    this.requests = [];
    this.responses = [];
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), "runbox-chromium-"));
  }

  async launch() {
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: DESKTOP,
      timeout: 60000,
    });
    this.context.setDefaultTimeout(15000);
    this.context.on("request", (r) => this.requests.push(r));
    this.context.on("response", (r) => this.responses.push({ url: r.url(), status: r.status() }));
    // The profile's own first page is left alone; each test opens its own.
  }

  async page(name) {
    return new Fixture(this, await this.context.newPage(), name);
  }

  async close() {
    if (this.context) await this.context.close().catch(() => {});
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

// One test's page, its requests and errors, and its screenshots.
class Fixture {
  constructor(browser, page, name) {
    this.browser = browser;
    this.page = page;
    this.name = name;
    this.requests = [];
    this.errors = [];
    page.on("request", (r) => this.requests.push(r));
    page.on("pageerror", (e) => this.errors.push("page error: " + e.message));
    page.on("console", (m) => {
      // An HTTP error status the test asked for (a refused key) is logged
      // by Chromium too; those are the test's business, not an error here.
      if (m.type() === "error" && !/^Failed to load resource: the server responded/.test(m.text())) {
        this.errors.push("console: " + m.text());
      }
    });
  }

  async screenshot(state) {
    const file = path.join(this.browser.shots, `${this.name}-${state}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  // After each test: nothing thrown in the page, no policy violation, no
  // request outside the page's origin.
  async assertClean() {
    if (this.errors.length) throw new Error("the page reported errors:\n" + this.errors.join("\n"));
    const origin = this.origin;
    const outside = this.requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin);
    if (outside.length) throw new Error("requests outside " + origin + ":\n" + outside.join("\n"));
  }

  async close() {
    await this.page.close();
  }
}

module.exports = { Browser, CHROMIUM };
