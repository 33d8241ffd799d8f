// The review's collapsible sections remember the manager's choice (per browser).
// Progressive enhancement: without JavaScript every section is simply open.
(() => {
  const KEY = "dealcoach:review:open:";
  const restore = (root) => {
    root.querySelectorAll("details[data-remember]").forEach((section) => {
      const saved = window.localStorage.getItem(KEY + section.dataset.remember);
      if (saved !== null) { section.open = saved === "1"; }
    });
  };
  document.addEventListener("toggle", (event) => {
    const section = event.target;
    if (section.matches && section.matches("details[data-remember]")) {
      window.localStorage.setItem(KEY + section.dataset.remember, section.open ? "1" : "0");
    }
  }, true);  // toggle does not bubble: listen while it is captured
  restore(document);
  // A filter or sort change swaps the review body in: restore the choices there too.
  document.body.addEventListener("htmx:afterSwap", (event) => restore(event.target));
})();
