// The ask form: keep the draft while the asker looks at similar questions.
// Every page works without this file.
//  * Links in the "similar" box open in a new tab, so the form stays as it is.
//  * The draft is kept in sessionStorage (this tab only) and restored if the
//    page is left and opened again; it is dropped once the form is sent.
"use strict";
(() => {
  function setupDraft(form) {
    const key = form.dataset.draftKey;
    const fields = Array.from(form.querySelectorAll("input[type=text], textarea, select"));
    let store = null;
    try { store = window.sessionStorage; } catch (error) { store = null; }
    if (store) {
      let saved = null;
      try { saved = JSON.parse(store.getItem(key) || "null"); } catch (error) { saved = null; }
      if (saved && typeof saved === "object") {
        fields.forEach((field) => {
          if (!field.value && typeof saved[field.name] === "string") field.value = saved[field.name];
        });
      }
      const save = () => {
        const draft = {};
        fields.forEach((field) => { draft[field.name] = field.value; });
        store.setItem(key, JSON.stringify(draft));
      };
      fields.forEach((field) => field.addEventListener("input", save));
      form.addEventListener("submit", () => store.removeItem(key));
    }
    form.querySelectorAll("[data-similar]").forEach((box) => {
      box.addEventListener("click", (event) => {
        const link = event.target.closest("a");
        if (link) {
          link.target = "_blank";
          link.rel = "noopener";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-draft-key]").forEach(setupDraft);
  });
})();
