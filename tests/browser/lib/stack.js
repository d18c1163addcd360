// A real runbox stack for the browser tests: nginx and the runbox-fcgi pool
// through scripts/stack, on a free loopback port with a temporary state dir,
// as tests/integration/conftest.py starts it.

"use strict";

const { execFile } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { promisify } = require("node:util");

const run = promisify(execFile);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

class Stack {
  constructor(top, build) {
    this.top = top;
    this.build = build;
    this.state = fs.mkdtempSync(path.join(os.tmpdir(), "runbox-browser-"));
  }

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.env = { ...process.env, RUNBOX_STATE_DIR: this.state, RUNBOX_PORT: String(this.port),
                 RUNBOX_BUILD: this.build, RUNBOX_WORKERS: "3" };
    try {
      await this.script("start");
    } catch (e) {
      await this.stop();
      throw new Error("the stack did not start:\n" + (e.stdout || "") + (e.stderr || ""));
    }
  }

  script(...args) {
    return run(path.join(this.top, "scripts", "stack"), args,
               { env: this.env, timeout: 180000, maxBuffer: 1 << 20 });
  }

  async newKey(user) {
    return (await this.script("key", user)).stdout.trim();
  }

  async stop() {
    if (this.port) await this.script("stop").catch(() => {});
    fs.rmSync(this.state, { recursive: true, force: true });
  }
}

module.exports = { Stack };
