"""The rep's desk in a real browser: alice quick-adds a deal with a new account
and stakeholder using only the keyboard, lands on the deal page, logs an
activity with the one-line quick log and sees it in the timeline without
leaving the page. Screenshots of each page go to the screenshots folder."""

import re

import pytest

from accounts.models import Account, Stakeholder
from deals.models import Activity, DealRole, Opportunity
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_into_focused(page, field_id: str, text: str) -> None:
    """Type into the field that has the focus, after checking it is the one we expect."""
    assert page.evaluate("document.activeElement.id") == field_id
    page.keyboard.type(text)


def test_a_rep_quick_adds_a_deal_and_logs_an_activity_with_the_keyboard(new_page, migration_rows, alice, screenshots_dir):
    page = new_page()
    browser_login(page, "alice")
    page.goto("/deals/")
    assert "No deals yet" in page.inner_text('[data-testid="empty-state"]')
    page.screenshot(path=str(screenshots_dir / "rep-desk-1-my-deals-empty.png"), full_page=True)

    # "n" opens quick add; the account field has the focus.
    page.keyboard.press("n")
    page.wait_for_url("**/deals/new/")
    type_into_focused(page, "id_account_name", "Initech")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_account_domain", "initech.example")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_stakeholder_name", "Peter Gibbons")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_stakeholder_title", "VP Operations")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_stakeholder_seniority", "VP")  # select typeahead
    page.keyboard.press("Tab")
    type_into_focused(page, "id_stakeholder_role", "Champion")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_name", "Initech TPS rollout")
    page.keyboard.press("Tab")
    type_into_focused(page, "id_amount", "120000")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_currency"
    assert page.input_value("#id_currency") == "USD"  # the default, left as is
    page.keyboard.press("Tab")
    type_into_focused(page, "id_stage", "Discover")
    assert page.input_value("#id_stakeholder_seniority") == "vp"
    assert page.input_value("#id_stakeholder_role") == "champion"
    assert page.input_value("#id_stage") == "discover"
    page.keyboard.press("Tab")
    type_into_focused(page, "id_expected_close_date", "06302027")  # Chromium's mm/dd/yyyy date input
    assert page.input_value("#id_expected_close_date") == "2027-06-30"
    page.screenshot(path=str(screenshots_dir / "rep-desk-2-quick-add.png"), full_page=True)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/deals/\d+/#id_kind$"))
    # The new deal's first action has the focus: logging what happened.
    assert page.evaluate("document.activeElement.id") == "id_kind"
    deal = Opportunity.objects.get(name="Initech TPS rollout")
    assert page.url.endswith(f"/deals/{deal.pk}/#id_kind")
    assert (deal.account.name, deal.account.domain, deal.amount, deal.currency) == (
        "Initech", "initech.example", 120000, "USD")
    assert (deal.stage.slug, deal.expected_close_date.isoformat()) == ("discover", "2027-06-30")
    peter = Stakeholder.objects.get(name="Peter Gibbons", account=deal.account)
    assert DealRole.objects.filter(opportunity=deal, stakeholder=peter, role="champion").exists()
    assert page.inner_text("#deal-title") == "Initech TPS rollout"
    political_map = page.inner_text('[data-testid="political-map"]')
    assert "Peter Gibbons" in political_map and "No economic buyer" in political_map
    assert "Missing" in page.inner_text('[data-testid="anchors"]')
    page.screenshot(path=str(screenshots_dir / "rep-desk-3-deal-page.png"), full_page=True)

    # The one-line quick log: kind, who took part, summary, Enter. htmx keeps us on the page.
    page.evaluate("window.stillTheSamePage = true")
    page.focus("#id_kind")
    page.keyboard.type("Call")
    page.focus(f'[data-testid="quick-log"] input[name="stakeholders"][value="{peter.pk}"]')
    page.keyboard.press("Space")
    page.focus('[data-testid="quick-log-summary"]')
    page.keyboard.type("Peter confirmed the budget owner is the CFO")
    page.keyboard.press("Enter")
    entry = page.locator('[data-testid="activity"]', has_text="Peter confirmed the budget owner is the CFO")
    entry.wait_for()
    assert "with Peter Gibbons" in entry.inner_text() and "Call" in entry.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.input_value('[data-testid="quick-log-summary"]') == ""
    activity = Activity.objects.get(opportunity=deal)
    assert (activity.kind, list(activity.stakeholders.all())) == ("call", [peter])
    page.locator('[data-testid="map-entry"]', has_text="Peter Gibbons").get_by_text("last contact: never").wait_for(
        state="detached"
    )
    page.screenshot(path=str(screenshots_dir / "rep-desk-4-activity-logged.png"), full_page=True)

    page.click('[data-testid="deal-account"]')
    page.wait_for_url(f"**/accounts/{deal.account_id}/")
    assert "Peter Gibbons" in page.inner_text('[data-testid="org-chart"]')
    assert "Initech TPS rollout" in page.inner_text('[data-testid="account-deals"]')
    page.screenshot(path=str(screenshots_dir / "rep-desk-5-account.png"), full_page=True)

    page.goto("/deals/")
    row = page.locator('[data-testid="deal-row"]', has_text="Initech TPS rollout")
    assert "120,000 USD" in row.inner_text()
    page.screenshot(path=str(screenshots_dir / "rep-desk-6-my-deals.png"), full_page=True)
    assert Account.objects.count() == 1
