// The test-case panel: I/O cases (stdin and the expected output) that Run
// sends as test_cases, so the service grades the program against them.

export class Cases {
  constructor(list, addButton, countBadge) {
    this.list = list;
    this.countBadge = countBadge;
    addButton.addEventListener("click", () => this.add({ stdin: "", expected_output: "" }, true));
    this.renumber();
  }

  add(tc, focus) {
    const li = document.createElement("li");
    li.className = "case";
    const stdin = field(li, "stdin", tc.stdin || "");
    field(li, "expected output", tc.expected_output || "");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link case-remove";
    remove.textContent = "remove";
    remove.addEventListener("click", () => {
      li.remove();
      this.renumber();
    });
    li.append(remove);
    this.list.append(li);
    this.renumber();
    if (focus) stdin.focus();
  }

  // What Run sends: null when there are no cases (a plain run).
  read() {
    const cases = [...this.list.children].map((li) => {
      const [stdin, expected] = li.querySelectorAll("textarea");
      return { stdin: stdin.value, expected_output: expected.value };
    });
    return cases.length ? cases : null;
  }

  // Replaces the cases with those of a run from the history.
  fill(cases) {
    this.list.replaceChildren();
    for (const tc of cases) this.add(tc, false);
    this.renumber();
  }

  renumber() {
    const n = this.list.children.length;
    this.countBadge.textContent = n ? String(n) : "";
    [...this.list.children].forEach((li, i) => {
      li.dataset.index = String(i + 1);
      li.setAttribute("aria-label", "case " + (i + 1));
    });
  }
}

function field(li, label, value) {
  const l = document.createElement("label");
  const span = document.createElement("span");
  span.textContent = label;
  const t = document.createElement("textarea");
  t.rows = 2;
  t.spellcheck = false;
  t.value = value;
  t.className = label === "stdin" ? "case-stdin" : "case-expected";
  l.append(span, t);
  li.append(l);
  return t;
}
