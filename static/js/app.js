// Small progressive enhancements; everything works without JavaScript.
document.addEventListener("keydown", (event) => {
  // "/" focuses the page's search box, as in most list UIs.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});
// Print buttons without inline handlers (the Content-Security-Policy forbids them).
document.addEventListener("click", (event) => {
  if (event.target.closest(".js-print")) { window.print(); }
});
