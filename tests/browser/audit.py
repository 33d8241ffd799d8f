"""Page checks shared by the browser tests: sideways scroll, tap targets (WCAG 2.2
SC 2.5.8) and axe-core, run against the page as served, Content-Security-Policy
intact.

axe-core is vendored (tests/browser/vendor/axe.min.js, from npm, MPL-2.0) and
evaluated through the DevTools protocol, which the page's CSP does not govern;
a <script> tag would be refused by it, as it should be."""

from functools import cache
from pathlib import Path

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
# The standards the issue asks for: WCAG 2.0/2.1/2.2 A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Every visible control smaller than 24x24 CSS px, with the exceptions of SC 2.5.8:
# a link inside a sentence (inline, with text around it) and a control whose label
# (the clickable area of a checkbox or radio) is big enough.
SMALL_TARGETS_JS = """
() => {
  const MIN = 24;
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 && !el.closest("[hidden], [inert], details:not([open]) > :not(summary)");
  };
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const parentText = (el.parentElement.textContent || "").replace(/\\s+/g, " ").trim();
    const ownText = (el.textContent || "").replace(/\\s+/g, " ").trim();
    return parentText.length > ownText.length + 3 && !["NAV", "LI", "TD"].includes(el.parentElement.tagName);
  };
  const area = (el) => {
    const rect = el.getBoundingClientRect();
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) {
        const l = label.getBoundingClientRect();
        return {width: Math.max(rect.width, l.width), height: Math.max(rect.height, l.height)};
      }
    }
    return rect;
  };
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll(selector)]
    .filter((el) => visible(el) && !inSentence(el))
    .map((el) => ({el, rect: area(el)}))
    .filter(({rect}) => rect.width < MIN - 0.5 || rect.height < MIN - 0.5)
    .map(({el, rect}) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""} "${(el.textContent || el.value || el.name || "").trim().slice(0, 30)}" ${Math.round(rect.width)}x${Math.round(rect.height)}`);
}
"""


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def sideways_scroll(page) -> int:
    """How many CSS px the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def small_targets(page) -> list[str]:
    return page.evaluate(SMALL_TARGETS_JS)


def stretched_checkboxes(page) -> list[str]:
    """Checkboxes and radios drawn far wider than a box (a full-width input rule caught them),
    which squeezes their label into a column of single letters."""
    return page.evaluate("""() => [...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
        .filter((input) => input.getBoundingClientRect().width > 48)
        .map((input) => `${input.name}=${input.value} ${Math.round(input.getBoundingClientRect().width)} px wide`)""")


def axe_violations(page, impacts=("critical", "serious")) -> list[str]:
    """axe-core's violations of the given impacts, one line each (rule, impact, first targets)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           AXE_TAGS)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(" ".join(node["target"]) + " — " + node.get("failureSummary", "").replace("\n", " ")[:160]
                    for node in violation["nodes"][:4])
        + (f" … and {len(violation['nodes']) - 4} more" if len(violation["nodes"]) > 4 else "")
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]
