// Wiki: progressive enhancement only; every wiki page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Warn before leaving the editor with unsaved changes.
  const form = document.querySelector("form[data-wiki-edit]");
  if (form) {
    const initial = new FormData(form);
    let submitting = false;
    const changed = () => {
      const now = new FormData(form);
      for (const [name, value] of now.entries()) {
        if (name !== "csrf_token" && initial.get(name) !== value) return true;
      }
      return false;
    };
    form.addEventListener("submit", () => { submitting = true; });
    window.addEventListener("beforeunload", (event) => {
      if (!submitting && changed()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
});
