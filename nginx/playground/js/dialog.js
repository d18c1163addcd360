// A modal question with named answers, on the page's own <dialog> (not
// window.confirm, which a learner's browser may suppress and a screenshot
// cannot show).

const dialog = document.getElementById("ask-dialog");
const message = document.getElementById("ask-message");
const buttons = document.getElementById("ask-buttons");

// choices: [{value, label, primary}]; resolves to the value picked, or to
// "cancel" when the dialog is dismissed with Esc.
export function ask(text, choices) {
  message.textContent = text;
  buttons.replaceChildren(
    ...choices.map((c) => {
      const b = document.createElement("button");
      b.type = "submit";
      b.value = c.value;
      b.textContent = c.label;
      if (c.primary) b.className = "primary";
      return b;
    }),
  );
  return new Promise((resolve) => {
    dialog.returnValue = "cancel";
    dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"), { once: true });
    dialog.showModal();
    const primary = buttons.querySelector(".primary");
    if (primary) primary.focus();
  });
}
