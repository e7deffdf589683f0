// Search enhancements; every page works without this file.
//
// 1. Search-as-you-type in the navigation box: an input with data-suggest="/search/suggest"
//    and the #nav-suggestions listbox. Debounced; arrow keys move into and through the
//    list, Enter follows the focused link, Escape closes; entries are plain links; text is
//    inserted with textContent only.
// 2. "Similar" hints while writing a draft: a container
//      <div data-similar data-similar-fields="#title,#body" data-similar-type="question"
//           data-similar-heading="Similar questions" aria-live="polite"></div>
//    is filled with links to similar questions/pages from /api/v1/search/similar.
"use strict";
(() => {
  const SUGGEST_DELAY = 200;
  const SIMILAR_DELAY = 500;

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function localUrl(url) {
    return typeof url === "string" && url.startsWith("/") && !url.startsWith("//")
      && !url.startsWith("/\\");
  }

  async function getJSON(url, signal) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" }, credentials: "same-origin", signal,
    });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function setupSuggest(input) {
    const box = document.getElementById("nav-suggestions");
    if (!box) return;
    const endpoint = input.dataset.suggest;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", box.id);
    input.setAttribute("aria-expanded", "false");
    let active = -1;
    let controller = null;
    let shown = "";

    const options = () => Array.from(box.querySelectorAll("[role=option]"));

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    // Arrow keys move the real focus into the list (links keep their :focus style and
    // open with Enter); the input keeps aria-activedescendant for screen readers.
    function select(index) {
      const opts = options();
      opts.forEach((opt, i) => opt.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", opts[index].id);
        opts[index].focus();
      } else {
        input.removeAttribute("aria-activedescendant");
        input.focus();
      }
    }

    function render(items) {
      box.replaceChildren();
      items.filter((item) => item && localUrl(item.url)).forEach((item, i) => {
        const link = document.createElement("a");
        link.href = item.url;
        link.id = "nav-suggestion-" + i;
        link.setAttribute("role", "option");
        link.setAttribute("aria-selected", "false");
        link.tabIndex = -1;
        link.textContent = String(item.label || "");
        if (item.type_label) {
          const kind = document.createElement("small");
          kind.className = "pill";
          kind.textContent = String(item.type_label);
          link.append(" ", kind);
        }
        box.append(link);
      });
      active = -1;
      if (box.children.length) {
        box.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    const update = debounce(async () => {
      const q = input.value.trim();
      if (q.length < 2) {
        shown = "";
        close();
        return;
      }
      if (q === shown && !box.hidden) return;
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const data = await getJSON(endpoint + "?q=" + encodeURIComponent(q), controller.signal);
        if (input.value.trim() !== q) return; // typed on meanwhile
        shown = q;
        render(Array.isArray(data.items) ? data.items : []);
      } catch (error) {
        if (error.name !== "AbortError") close();
      }
    }, SUGGEST_DELAY);

    function onKey(event) {
      const opts = options();
      if (event.key === "Escape") {
        if (!box.hidden) {
          event.preventDefault();
          close();
          input.focus();
        }
        return;
      }
      if (box.hidden || !opts.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select(active + 1 < opts.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        select(active - 1); // above the first entry: back to the input
      }
    }

    input.addEventListener("input", update);
    input.addEventListener("keydown", onKey);
    box.addEventListener("keydown", onKey);
    // Close when focus leaves input and list; a click on a suggestion still follows its link.
    const closeUnlessInside = () => setTimeout(() => {
      if (document.activeElement !== input && !box.contains(document.activeElement)) close();
    }, 150);
    input.addEventListener("blur", closeUnlessInside);
    box.addEventListener("focusout", closeUnlessInside);
    document.addEventListener("click", (event) => {
      if (event.target !== input && !box.contains(event.target)) close();
    });
  }

  function setupSimilar(container) {
    const fields = (container.dataset.similarFields || "").split(",")
      .map((selector) => selector.trim() && document.querySelector(selector.trim()))
      .filter(Boolean);
    if (!fields.length) return;
    const types = (container.dataset.similarType || "question,page").split(",");
    let controller = null;
    let last = "";

    function render(items) {
      container.replaceChildren();
      if (!items.length) return;
      const heading = document.createElement("p");
      heading.textContent = container.dataset.similarHeading || "";
      const list = document.createElement("ul");
      items.filter((item) => item && localUrl(item.url)).forEach((item) => {
        const entry = document.createElement("li");
        const link = document.createElement("a");
        link.href = item.url;
        link.textContent = String(item.title || item.url);
        entry.append(link);
        if (item.extra && item.extra.answered && container.dataset.answeredLabel) {
          const mark = document.createElement("small");
          mark.className = "pill";
          mark.textContent = container.dataset.answeredLabel;
          entry.append(" ", mark);
        }
        list.append(entry);
      });
      if (heading.textContent) container.append(heading);
      container.append(list);
    }

    const update = debounce(async () => {
      const text = fields.map((field) => field.value).join("\n").trim();
      if (text.length < 8 || text === last) return;
      last = text;
      if (controller) controller.abort();
      controller = new AbortController();
      const query = new URLSearchParams({ text: text.slice(0, 5000) });
      types.forEach((type) => query.append("type", type.trim()));
      try {
        const data = await getJSON("/api/v1/search/similar?" + query, controller.signal);
        render(Array.isArray(data.items) ? data.items : []);
      } catch (error) {
        if (error.name !== "AbortError") container.replaceChildren();
      }
    }, SIMILAR_DELAY);
    fields.forEach((field) => field.addEventListener("input", update));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-suggest]").forEach(setupSuggest);
    document.querySelectorAll("[data-similar]").forEach(setupSimilar);
  });
})();
