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
  // The words come from the page (base.html), in its language.
  const words = document.body.dataset;
  box.setAttribute("aria-label", `${(caption && caption.textContent.trim()) || words.tableWord || "Table"} ${words.tableSuffix || "(table)"}`);
  table.replaceWith(box);
  box.appendChild(table);
});
// 4. After a download that records something (the completion export), reload the page once the file
//    has had time to start, so "Last export" shows it (without this script the page says to reload).
document.querySelectorAll("form[data-reload-after-download]").forEach((form) => {
  form.addEventListener("submit", () => { window.setTimeout(() => window.location.reload(), 2500); });
});
// 5. A job's progress panel updates itself from its progress.json (the page's meta refresh is the
//    no-script fallback and is removed here); when the job ends the page reloads, or opens the plan.
document.querySelectorAll("[data-job-progress]").forEach((panel) => {
  document.querySelectorAll('meta[http-equiv="refresh"]').forEach((meta) => meta.remove());
  const show = (data) => {
    panel.querySelectorAll("[data-field]").forEach((el) => {
      const name = el.dataset.field;
      if (name === "bar") { el.value = data.percent; el.textContent = `${data.percent}%`; return; }
      if (name === "done" || name === "total") { el.textContent = Number(data[name]).toLocaleString(document.body.dataset.locale || "en"); return; }
      if (name === "remaining_text") { el.textContent = data.remaining_text || document.body.dataset.unknownYet || "unknown yet"; return; }
      if (name in data) el.textContent = data[name];
    });
  };
  const poll = () => {
    fetch(panel.dataset.jobProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        show(data);
        if (data.active) { window.setTimeout(poll, 1000); return; }
        if (data.next && data.next !== window.location.pathname) window.location.assign(data.next);
        else window.location.reload();
      })
      .catch(() => window.setTimeout(poll, 5000));
  };
  window.setTimeout(poll, 1000);
});
