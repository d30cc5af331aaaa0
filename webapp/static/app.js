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
//    this script the CSS lets the table itself scroll. The box can take the keyboard focus (arrow keys
//    scroll it) and is named after the table's caption.
document.querySelectorAll("table.table").forEach((table) => {
  if (table.parentElement.classList.contains("table-scroll")) return;
  const box = document.createElement("div");
  box.className = "table-scroll";
  box.tabIndex = 0;
  box.setAttribute("role", "region");
  const named = table.getAttribute("aria-labelledby") && document.getElementById(table.getAttribute("aria-labelledby"));
  const caption = named || table.querySelector("caption");
  box.setAttribute("aria-label", ((caption && caption.textContent.trim()) || "Table") + " (table)");
  table.replaceWith(box);
  box.appendChild(table);
});
// 4. After a download that records something (the completion export), reload the page once the file
//    has had time to start, so "Last export" shows it (without this script the page says to reload).
document.querySelectorAll("form[data-reload-after-download]").forEach((form) => {
  form.addEventListener("submit", () => { window.setTimeout(() => window.location.reload(), 2500); });
});
