// Drives the npm package piston-client, unchanged, against a server:
//   node piston_run.mjs SERVER '<json: {"op": "runtimes"} or {"op": "execute", "language", "code", "config"}>'
// and prints what the client returned, as JSON.
import piston from "piston-client";

const [server, spec] = process.argv.slice(2);
const req = JSON.parse(spec);
const client = piston({ server });
const out = req.op === "runtimes"
  ? await client.runtimes()
  : await client.execute(req.language, req.code, req.config || {});
process.stdout.write(JSON.stringify(out));
