// The language picker (from GET /languages, with versions) and the learner's
// code per language, kept for the session: switching language keeps what was
// written in the one left and asks before the editor's edited text is
// replaced.

import { api } from "./api.js";
import { ask } from "./dialog.js";

const DRAFTS_SLOT = "runbox.drafts";
const LANGUAGE_SLOT = "runbox.language";
const DEFAULT_LANGUAGE = "python";

export class Languages {
  constructor(select, editor) {
    this.select = select;
    this.editor = editor;
    this.byId = new Map();
    this.examples = new Map();
    this.drafts = JSON.parse(sessionStorage.getItem(DRAFTS_SLOT) || "{}");
    this.current = null;
    this.onLanguage = () => {};
    select.addEventListener("change", () => this.switchTo(select.value));
    // The draft follows every keystroke, so a reload loses nothing.
    editor.cm.on("changes", () => this.saveDraft());
  }

  async load() {
    const { languages } = await api.languages();
    this.select.replaceChildren(
      ...languages.map((l) => {
        this.byId.set(l.id, l);
        const o = document.createElement("option");
        o.value = l.id;
        o.textContent = l.version ? `${l.name} (${l.version})` : l.name;
        return o;
      }),
    );
    this.select.disabled = false;
    const saved = sessionStorage.getItem(LANGUAGE_SLOT);
    const first = [saved, DEFAULT_LANGUAGE, languages[0] && languages[0].id].find((id) =>
      this.byId.has(id));
    await this.show(first, await this.codeFor(first));
  }

  name(id) {
    const l = this.byId.get(id);
    return l ? l.name : id;
  }

  async example(id) {
    if (!this.examples.has(id)) {
      let code = "";
      try {
        code = (await api.language(id)).example || "";
      } catch (_) {
        // no example: the learner starts from an empty editor
      }
      this.examples.set(id, code);
    }
    return this.examples.get(id);
  }

  async codeFor(id) {
    const example = await this.example(id);
    return id in this.drafts ? this.drafts[id] : example;
  }

  // The editor's text differs from the language's example: it is the
  // learner's work.
  edited() {
    const text = this.editor.text;
    return text.trim() !== "" && text !== this.examples.get(this.current);
  }

  async switchTo(id) {
    if (id === this.current) return;
    const target = await this.codeFor(id);
    if (this.edited() && target !== this.editor.text) {
      const from = this.name(this.current);
      const to = this.name(id);
      const choice = await ask(
        `Switch to ${to}? The editor holds your ${from} code; it is kept for this ` +
          `session and comes back when you pick ${from} again.`,
        [
          { value: "cancel", label: "Stay in " + from },
          { value: "keep", label: `Keep this text as ${to}` },
          { value: "replace", label: `Show the ${to} code`, primary: true },
        ],
      );
      if (choice === "cancel") {
        this.select.value = this.current;
        return;
      }
      if (choice === "keep") {
        this.current = id;
        this.remember();
        this.saveDraft();
        return;
      }
    }
    await this.show(id, target);
  }

  // Opens code (a run from the history) in its language, asking first when
  // it would replace edited text.
  async open(id, code) {
    if (!this.byId.has(id)) throw new Error(`this service has no ${id} any more`);
    if (this.edited() && code !== this.editor.text) {
      const choice = await ask(
        `Open this ${this.name(id)} run in the editor? It replaces the code in the editor.`,
        [
          { value: "cancel", label: "Cancel" },
          { value: "open", label: "Open it", primary: true },
        ],
      );
      if (choice !== "open") return false;
    }
    await this.example(id);
    await this.show(id, code);
    return true;
  }

  async show(id, code) {
    this.current = id;
    this.remember();
    this.editor.setLanguage(id);
    this.editor.text = code;
  }

  remember() {
    this.select.value = this.current;
    this.editor.setLanguage(this.current);
    sessionStorage.setItem(LANGUAGE_SLOT, this.current);
    this.onLanguage(this.byId.get(this.current));
  }

  saveDraft() {
    if (!this.current) return;
    if (this.edited()) this.drafts[this.current] = this.editor.text;
    else delete this.drafts[this.current];
    sessionStorage.setItem(DRAFTS_SLOT, JSON.stringify(this.drafts));
  }
}
