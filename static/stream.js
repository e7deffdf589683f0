// The quiet poll of an open stream: "N new posts — show", without reloading the page.
// Progressive enhancement only: without this file the stream works as before.
"use strict";
(() => {
  const start = (box) => {
    const button = box.querySelector(".stream-poll-show");
    const interval = Math.max(Number(box.dataset.interval) || 30000, 1000);
    let timer = null;
    let busy = false;

    const show = (count) => {
      if (count < 1) {
        box.hidden = true;
        return;
      }
      const label = count === 1 ? box.dataset.one : box.dataset.many.replace("{n}", count >= 100 ? "100+" : String(count));
      button.textContent = label;
      box.hidden = false;
    };

    const poll = async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const url = new URL(box.dataset.pollUrl, window.location.href);
        url.searchParams.set("since", box.dataset.since || "0");
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.ok) {
          const data = await response.json();
          show(Number(data.count) || 0);
        } else if (response.status === 401 || response.status === 404) {
          window.clearInterval(timer); // signed out, or the stream went away: stop asking
        }
      } catch (error) {
        // Offline for a moment: the next tick tries again.
      } finally {
        busy = false;
      }
    };

    button.addEventListener("click", () => window.location.reload());
    timer = window.setInterval(poll, interval);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) poll();
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".stream-poll[data-poll-url]").forEach(start);
  });
})();
