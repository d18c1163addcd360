// The code editor: CodeMirror 5 (Debian's libjs-codemirror, loaded by
// index.html as the global CodeMirror) with each language's mode, and the
// compile diagnostics marked on their lines.

// runbox language id -> CodeMirror mode. A language runbox adds later and
// this table does not know yet is edited as plain text.
const MODES = {
  c: "text/x-csrc",
  cpp: "text/x-c++src",
  java: "text/x-java",
  python: { name: "python", version: 3 },
  javascript: "text/javascript",
  typescript: "text/typescript",
  go: "text/x-go",
};

// gofmt indents with tabs; the others with four spaces.
const TAB_INDENTED = new Set(["go"]);

export function createEditor(parent, { onRun, onLeave }) {
  const cm = CodeMirror(parent, {
    lineNumbers: true,
    matchBrackets: true,
    autoCloseBrackets: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    gutters: ["diagnostics", "CodeMirror-linenumbers"],
    extraKeys: {
      Tab: (ed) => (ed.somethingSelected() ? ed.indentSelection("add") : insertIndent(ed)),
      "Shift-Tab": (ed) => ed.indentSelection("subtract"),
      "Ctrl-Enter": () => onRun(),
      "Cmd-Enter": () => onRun(),
      // Tab indents, so a keyboard user needs another way out of the editor.
      Esc: () => onLeave(),
    },
  });
  return new Editor(cm);
}

function insertIndent(ed) {
  if (ed.getOption("indentWithTabs")) {
    ed.replaceSelection("\t");
    return;
  }
  const unit = ed.getOption("indentUnit");
  const col = ed.getCursor().ch;
  ed.replaceSelection(" ".repeat(unit - (col % unit)));
}

class Editor {
  constructor(cm) {
    this.cm = cm;
    this.marks = [];
    // A marked line the learner edits is being fixed: its mark goes.
    cm.on("change", (_, change) => this.unmarkEdited(change));
  }

  get text() {
    return this.cm.getValue();
  }

  set text(value) {
    this.clearDiagnostics();
    this.cm.setValue(value);
    this.cm.clearHistory();
  }

  setLanguage(id) {
    this.cm.setOption("mode", MODES[id] || null);
    this.cm.setOption("indentWithTabs", TAB_INDENTED.has(id));
  }

  focus() {
    this.cm.focus();
  }

  // Marks each diagnostic's line (background and a gutter sign); returns
  // nothing, the list itself is drawn by the result view.
  markDiagnostics(diagnostics) {
    this.clearDiagnostics();
    for (const d of diagnostics) {
      const line = this.lineIndex(d.line);
      if (line === null) continue;
      const cls = "diag-" + (d.severity === "warning" ? "warning" : "error");
      const handle = this.cm.addLineClass(line, "background", cls);
      const sign = document.createElement("span");
      sign.className = "diag-sign " + cls;
      sign.textContent = d.severity === "warning" ? "!" : "×";
      sign.title = d.message;
      this.cm.setGutterMarker(line, "diagnostics", sign);
      this.marks.push({ handle, cls });
    }
  }

  unmarkEdited(change) {
    const first = change.from.line;
    const last = first + change.text.length - 1;
    this.marks = this.marks.filter((m) => {
      const line = this.cm.getLineNumber(m.handle);
      if (line !== null && (line < first || line > last)) return true;
      if (line !== null) {
        this.cm.removeLineClass(m.handle, "background", m.cls);
        this.cm.setGutterMarker(m.handle, "diagnostics", null);
      }
      return false;
    });
  }

  clearDiagnostics() {
    for (const m of this.marks) this.cm.removeLineClass(m.handle, "background", m.cls);
    this.marks = [];
    this.cm.clearGutter("diagnostics");
  }

  // Puts the cursor on a diagnostic's line (1-based) and column, in view.
  jumpTo(lineNo, column) {
    const line = this.lineIndex(lineNo);
    if (line === null) return;
    const ch = column ? Math.max(0, column - 1) : 0;
    this.cm.focus();
    this.cm.setCursor({ line, ch });
    this.cm.scrollIntoView({ line, ch }, 60);
  }

  lineIndex(lineNo) {
    if (!Number.isInteger(lineNo) || lineNo < 1) return null;
    return Math.min(lineNo, this.cm.lineCount()) - 1;
  }
}
