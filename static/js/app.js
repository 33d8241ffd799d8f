// Small progressive enhancements; everything works without JavaScript.
// No inline scripts or handlers: the Content-Security-Policy forbids them.
document.addEventListener("keydown", (event) => {
  // "/" focuses the page's search box, as in most list UIs.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});
// Print buttons without inline handlers.
document.addEventListener("click", (event) => {
  if (event.target.closest(".js-print")) { window.print(); }
});

// The top bar's menu: folded behind a button on a phone (CSS shows it inline on wider screens).
(function () {
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
})();

const FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

// Each table cell learns its column's header (data-label), shown before the value when
// the table is laid out as cards on a phone; explicit roles keep the table semantics
// that some browsers drop once a table is no longer displayed as one.
function labelTableCells(root) {
  root.querySelectorAll("table:not(.keep-table)").forEach((table) => {
    const headerRow = table.tHead && table.tHead.rows[0];
    const labels = [];
    if (headerRow) {
      for (const th of headerRow.cells) {
        const text = (th.getAttribute("title") || th.textContent).replace(/\s+/g, " ").trim();
        for (let i = 0; i < th.colSpan; i++) labels.push(text);
      }
    }
    table.setAttribute("role", "table");
    for (const section of [table.tHead, ...table.tBodies]) { if (section) section.setAttribute("role", "rowgroup"); }
    for (const row of table.rows) {
      row.setAttribute("role", "row");
      let column = 0;
      for (const cell of row.cells) {
        if (cell.tagName === "TH") {
          cell.setAttribute("role", row.parentElement === table.tHead ? "columnheader" : "rowheader");
        } else {
          cell.setAttribute("role", "cell");
          if (labels[column] && cell.colSpan === 1 && !cell.hasAttribute("data-label")) cell.dataset.label = labels[column];
        }
        column += cell.colSpan;
      }
    }
  });
}

// A region that scrolls sideways must be reachable and named for keyboard and screen-reader users.
function labelScrollRegions(root) {
  root.querySelectorAll(".scroll-region, .cp-table-wrap").forEach((region) => {
    if (!region.hasAttribute("tabindex")) region.tabIndex = 0;
    if (!region.hasAttribute("role")) region.setAttribute("role", "region");
    if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
      const section = region.closest("section");
      const heading = section && section.querySelector("h2, h3");
      region.setAttribute("aria-label", (heading ? heading.textContent.trim() : "Table") + " (scrolls sideways)");
    }
  });
}

function enhance(root) {
  labelTableCells(root);
  labelScrollRegions(root);
}
enhance(document);

// Focus after a form: on a refusal, the first field marked invalid; after a save, the
// element the server marked with data-focus-after-save (the saved item, or the next
// field to fill). Without this the focus falls back to the top of the page.
function focusAfterSwap(root) {
  const invalid = root.querySelector('[aria-invalid="true"]');
  const target = invalid || root.querySelector("[data-focus-after-save]");
  if (target) {
    if (!target.matches(FIELDS + ", a[href], button") && !target.hasAttribute("tabindex")) target.tabIndex = -1;
    target.focus({ preventScroll: false });
  }
}

// A full page that comes back refused (no JavaScript path, or a plain POST) focuses its first wrong field;
// a page opened at "#some-form" (e.g. right after quick add) focuses that form's first field.
(function () {
  const invalid = document.querySelector('main [aria-invalid="true"]');
  if (invalid) { invalid.focus(); return; }
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) {
    const field = target.matches(FIELDS) ? target : target.querySelector(FIELDS);
    if (field) field.focus();
  }
})();

// A link to a form on the same page ("Log activity") lands in the form's first field, not just near it.
document.addEventListener("click", (event) => {
  const link = event.target.closest('a[href^="#"]');
  const target = link && link.hash.length > 1 && document.getElementById(decodeURIComponent(link.hash.slice(1)));
  const field = target && (target.matches(FIELDS) ? target : target.tagName === "FORM" && target.querySelector(FIELDS));
  if (field) { event.preventDefault(); history.replaceState(null, "", link.hash); field.focus(); field.scrollIntoView({ block: "center" }); }
});

if (window.htmx) {
  // Keep what the rep ticked when a list of choices is refreshed underneath them.
  let ticked = null;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    ticked = target && target.matches("[data-keep-checked]")
      ? [...target.querySelectorAll("input:checked")].map((input) => input.name + "=" + input.value) : null;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    const swapped = target && target.isConnected ? target : document.getElementById(target && target.id) || document;
    if (ticked) {
      swapped.querySelectorAll("input[type=checkbox], input[type=radio]").forEach((input) => {
        if (ticked.includes(input.name + "=" + input.value)) input.checked = true;
      });
      ticked = null;
    }
    // Only a swap the user caused moves the focus, not a background refresh.
    const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb !== "get") {
      focusAfterSwap(swapped);
    } else if (event.detail.requestConfig && event.detail.requestConfig.triggeringEvent
               && event.detail.requestConfig.triggeringEvent.type === "click") {
      // A link that opened one form in place ("Edit Rosa Duarte's role"): continue in its first field.
      // (htmx itself focuses an [autofocus] element of new content; a swap of several forms moves nothing.)
      const forms = swapped.matches && swapped.matches("form") ? [swapped] : [...(swapped.querySelectorAll ? swapped.querySelectorAll("form") : [])];
      const field = forms.length === 1 && !swapped.querySelector("[autofocus]") && forms[0].querySelector(FIELDS);
      if (field) field.focus();
    }
  });
  htmx.onLoad((element) => enhance(element));
}
