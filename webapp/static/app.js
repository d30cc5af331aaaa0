// Progressive enhancement only: every page works without this file.
// 1. Buttons with data-confirm ask before submitting.
// 2. A submitted form's buttons are disabled, so a double click sends one request.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() === "post") {
    window.setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  }
});
// 3. A wide table scrolls inside its own box instead of widening the page (narrow screens); without
//    this script the CSS lets the table itself scroll.
document.querySelectorAll("table.table").forEach((table) => {
  if (table.parentElement.classList.contains("table-scroll")) return;
  const box = document.createElement("div");
  box.className = "table-scroll";
  table.replaceWith(box);
  box.appendChild(table);
});
