// The runbox API as the playground calls it: one place that holds the key
// and turns every answer into JSON or an ApiError.
//
// The key lives in sessionStorage (this tab only, gone when it closes) and
// leaves the page only in the Authorization header of same-origin requests.

const BASE = "/api/v1/code";
const KEY_SLOT = "runbox.key";

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

export function hasKey() {
  return Boolean(sessionStorage.getItem(KEY_SLOT));
}

export function setKey(key) {
  sessionStorage.setItem(KEY_SLOT, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_SLOT);
}

// Every error answer of runbox (and of its nginx) is {"error": {...}};
// anything else (a proxy's HTML page) still becomes an ApiError.
async function errorOf(r) {
  let e = {};
  try {
    e = (await r.json()).error || {};
  } catch (_) {
    // not JSON: keep the status alone
  }
  return new ApiError(r.status, e.code || "http_" + r.status, e.message || r.statusText,
                      e.field || null, r.headers.get("Retry-After"));
}

export async function call(method, path, body, opts = {}) {
  const headers = {};
  if (!opts.anonymous) {
    const key = sessionStorage.getItem(KEY_SLOT);
    if (!key) throw new ApiError(401, "no_key", "enter your API key first", null, null);
    headers.Authorization = "Bearer " + key;
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!r.ok) throw await errorOf(r);
  return r.status === 204 ? null : r.json();
}

export const api = {
  languages: () => call("GET", "/languages", undefined, { anonymous: true }),
  language: (id) => call("GET", "/languages/" + encodeURIComponent(id), undefined, { anonymous: true }),
  execute: (body) => call("POST", "/execute", body),
  validate: (body) => call("POST", "/validate", body),
  history: (limit, offset) => call("GET", `/history?limit=${limit}&offset=${offset}`),
  run: (id) => call("GET", "/history/" + encodeURIComponent(id)),
  deleteRun: (id) => call("DELETE", "/history/" + encodeURIComponent(id)),
};
