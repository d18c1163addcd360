// The caller's history (GET /history): newest first, a page at a time; each
// run can be opened back into the editor or deleted.

import { api } from "./api.js";
import { ask } from "./dialog.js";

const PAGE = 20;

export class History {
  constructor({ list, total, more, refresh }, { onOpen, onError }) {
    this.list = list;
    this.total = total;
    this.more = more;
    this.onOpen = onOpen;
    this.onError = onError;
    this.loaded = 0;
    more.addEventListener("click", () => this.page(this.loaded));
    refresh.addEventListener("click", () => this.reload());
  }

  async reload() {
    this.loaded = 0;
    await this.page(0);
  }

  async page(offset) {
    let body;
    try {
      body = await api.history(PAGE, offset);
    } catch (e) {
      this.onError(e);
      return;
    }
    if (offset === 0) this.list.replaceChildren();
    for (const item of body.items) this.list.append(this.entry(item));
    this.loaded = offset + body.items.length;
    this.total.textContent = body.total === 1 ? "1 run" : `${body.total} runs`;
    this.more.hidden = this.loaded >= body.total;
  }

  entry(item) {
    const li = document.createElement("li");
    li.className = "run " + (item.status === "success" ? "ok" : "fail");
    li.dataset.id = item.id;
    const what = document.createElement("span");
    what.className = "run-what";
    what.textContent = `${item.language.id} · ${item.status.replace(/_/g, " ")}`;
    const took = document.createElement("span");
    took.className = "run-took";
    took.textContent = item.wall_time_ms === null || item.wall_time_ms === undefined ? "" :
      `${item.wall_time_ms} ms`;
    const when = document.createElement("time");
    when.dateTime = item.created_at;
    when.textContent = new Date(item.created_at).toLocaleString();
    const open = button("open", () => this.open(item.id));
    const del = button("delete", () => this.remove(item, li));
    del.classList.add("danger");
    li.append(what, took, when, open, del);
    return li;
  }

  async open(id) {
    try {
      await this.onOpen(await api.run(id));
    } catch (e) {
      this.onError(e);
    }
  }

  async remove(item, li) {
    const when = new Date(item.created_at).toLocaleString();
    const choice = await ask(`Delete the ${item.language.id} run of ${when} from your history?`, [
      { value: "cancel", label: "Keep it" },
      { value: "delete", label: "Delete", primary: true },
    ]);
    if (choice !== "delete") return;
    try {
      await api.deleteRun(item.id);
    } catch (e) {
      this.onError(e);
      return;
    }
    li.remove();
    await this.reload();
  }
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "link";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}
