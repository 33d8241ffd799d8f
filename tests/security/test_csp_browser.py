"""The Content-Security-Policy holds on real pages in Chromium: no violation
reported while the pages load and their htmx sections refresh, and no inline
script, <style> element or event handler the policy does not explicitly admit."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import browser_login, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migration_rows")]

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""
INLINE_CODE = """() => {
  const found = [];
  for (const s of document.querySelectorAll("script")) if (!s.src) found.push("inline <script>: " + s.textContent.slice(0, 80));
  for (const s of document.querySelectorAll("style")) found.push("<style>: " + s.textContent.slice(0, 80));
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) if (a.name.startsWith("on")) found.push(`handler ${a.name}=${a.value}`);
  }
  return found;
}"""


def allowed_handlers() -> set[str]:
    """The inline handlers whose sha256 the policy lists (their source is in the comment)."""
    import base64
    import hashlib

    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"]
    candidates = ["this.select()", "window.print(); return false;", "window.print()"]
    return {
        c for c in candidates
        if f"'sha256-{base64.b64encode(hashlib.sha256(c.encode()).digest()).decode()}'" in policy
    }


def visit(page, url, problems):
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(url)
    wait_for_htmx(page)
    assert response.status < 400, (url, response.status)
    # Re-render every htmx section the page offers, as the app does after a change.
    triggers = page.locator("[hx-get][hx-trigger*='load'], [hx-get][hx-trigger*='revealed']").all()[:5]
    for trigger in triggers:
        trigger.scroll_into_view_if_needed()
    if triggers:  # a "revealed" section asks when it is seen, a moment after the scroll
        page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp") + console
    allowed = allowed_handlers()
    inline = [item for item in page.evaluate(INLINE_CODE)
              if not (item.startswith("handler ") and item.split("=", 1)[1] in allowed)]
    if violations or inline:
        problems.append((url, violations, inline))


def test_it_serves_pages_that_satisfy_the_policy(new_page, alice, bob, alice_objects):
    o = alice_objects
    rep_pages = [
        reverse("login"), reverse("deals:my_deals"), reverse("deals:quick_add"),
        reverse("deals:detail", kwargs={"pk": o["deal_pk"]}), reverse("accounts:list"),
        reverse("accounts:detail", kwargs={"pk": o["account_pk"]}),
        reverse("closeplan:plan", kwargs={"opportunity_id": o["opportunity_id"]}),
    ]
    manager_pages = [
        reverse("review:weekly"), reverse("deals:detail", kwargs={"pk": o["deal_pk"]}),
        reverse("coaching_sessions:detail", kwargs={"session_id": o["session_id"]}),
    ]
    problems = []
    for user, pages in ((alice, rep_pages), (bob, manager_pages)):
        page = new_page()
        page.add_init_script(COLLECT_VIOLATIONS)
        browser_login(page, user.username)
        for url in pages:
            visit(page, url, problems)
    buyer = new_page()
    buyer.add_init_script(COLLECT_VIOLATIONS)
    visit(buyer, reverse("closeplan:public", kwargs={"token": o["token"]}), problems)
    assert problems == []


def test_it_relaxes_the_policy_only_for_the_api_docs(client, alice):
    client.force_login(alice)
    docs = client.get(reverse("api-docs"))["Content-Security-Policy"]
    page = client.get(reverse("login"))["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" in docs and "cdn.jsdelivr.net" not in page
    assert re.search(r"style-src 'self'(;|$)", page)
