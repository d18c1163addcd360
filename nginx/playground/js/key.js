// Asking for the API key: once per tab, in a password field that is cleared
// as soon as the key is taken, so the page never shows it in clear again.

import { api, ApiError, forgetKey, hasKey, setKey } from "./api.js";

const dialog = document.getElementById("key-dialog");
const form = document.getElementById("key-form");
const input = document.getElementById("key-input");
const error = document.getElementById("key-error");
const state = document.getElementById("key-state");
const forget = document.getElementById("key-forget");
const enter = document.getElementById("key-enter");

let onAccepted = () => {};

export function initKey(accepted) {
  onAccepted = accepted;
  form.addEventListener("submit", submit);
  document.getElementById("key-cancel").addEventListener("click", () => dialog.close());
  forget.addEventListener("click", () => {
    forgetKey();
    showState();
    askKey();
  });
  enter.addEventListener("click", () => askKey());
  showState();
  if (!hasKey()) askKey();
}

export function askKey(reason) {
  error.hidden = !reason;
  error.textContent = reason || "";
  input.value = "";
  if (!dialog.open) dialog.showModal();
  input.focus();
}

// A key the service refuses is dropped at once and asked for again.
export function keyRefused() {
  forgetKey();
  showState();
  askKey("The service refused the key; enter another one.");
}

async function submit(event) {
  event.preventDefault();
  const key = input.value.trim();
  input.value = "";
  if (!key) return;
  setKey(key);
  try {
    // A cheap call that needs the key: the first page of the history.
    await api.history(1, 0);
  } catch (e) {
    forgetKey();
    showState();
    const why = e instanceof ApiError && e.status === 401 ? "The service refused this key." :
      "Could not check the key: " + e.message;
    askKey(why);
    return;
  }
  dialog.close();
  showState();
  onAccepted();
}

function showState() {
  const set = hasKey();
  state.textContent = set ? "key entered" : "no key";
  state.className = set ? "ok" : "missing";
  forget.hidden = !set;
  enter.hidden = set;
}
