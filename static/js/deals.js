// The rep's desk: "n" opens quick add from the deal pages (Alt+N works everywhere via the nav's accesskey).
(function () {
  const script = document.getElementById("deals-js");
  const quickAddUrl = script && script.dataset.quickAddUrl;
  document.addEventListener("keydown", (event) => {
    if (!quickAddUrl || event.altKey || event.ctrlKey || event.metaKey) return;
    const tag = document.activeElement && document.activeElement.tagName;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || (document.activeElement && document.activeElement.isContentEditable)) return;
    if (event.key === "n" || event.key === "N") { event.preventDefault(); window.location.href = quickAddUrl; }
  });
})();
