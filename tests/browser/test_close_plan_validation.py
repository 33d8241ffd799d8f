"""The customer validates the close plan through a share link, in a real browser.

The rep shares the plan; the buyer opens the link in a fresh browser context
(no login), confirms it with their name; the rep's view turns to validated,
and a later date change shows "changed since validation"."""

import datetime as dt

import pytest
from django.utils import timezone

from coaching.closeplan.services import plan_create_from_template
from tests.conftest import browser_login
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_deal(migration_rows, alice):
    deal = OpportunityFactory(
        account=AccountFactory(owner=alice, name="Northwind"),
        name="Northwind rollout",
        amount="987654.00",
        notes="SECRET-INTERNAL-NOTE",
    )
    go_live = timezone.localdate() + dt.timedelta(days=140)
    plan_create_from_template(
        actor=alice, opportunity=deal, go_live_date=go_live, why_go_live_matters="The new warehouse opens."
    )
    return deal


def test_the_buyer_validates_the_plan_and_a_later_change_shows(new_page, shared_deal, screenshots_dir):
    rep = new_page()
    browser_login(rep, "alice")
    rep.goto(f"/deals/{shared_deal.pk}/plan/")
    validation = rep.locator('[data-testid="validation-status"]')
    assert "Not validated yet" in validation.inner_text()

    rep.click('[data-testid="share-form"] button[type=submit]')
    share_url = rep.locator('[data-testid="share-url"]').first
    share_url.wait_for()
    url = share_url.input_value()
    assert "/share/plan/" in url
    rep.screenshot(path=str(screenshots_dir / "closeplan-rep-shared.png"), full_page=True)

    buyer = new_page()  # a fresh context: no session, no cookies
    buyer.goto(url)
    assert "Project plan: Northwind" in buyer.inner_text("h1")
    body = buyer.inner_text("body")
    assert "The new warehouse opens." in body
    assert "987" not in body and "SECRET-INTERNAL-NOTE" not in body
    buyer.fill('input[name="name"]', "Jane Buyer")
    buyer.click('[data-testid="confirm"] button[type=submit]')
    buyer.locator('[data-testid="confirmed"]').wait_for()
    assert "Thank you, Jane Buyer" in buyer.inner_text('[data-testid="confirm"]')
    buyer.screenshot(path=str(screenshots_dir / "closeplan-buyer-confirmed.png"), full_page=True)

    rep.reload()
    assert "Validated by Jane Buyer" in rep.inner_text('[data-testid="validation-status"]')
    assert rep.locator('[data-testid="validated"]').is_visible()

    rep.click('[data-testid="edit-kickoff"]')
    edit_form = rep.locator('[data-testid="edit-form"]')
    edit_form.locator('input[name="duration_days"]').fill("8")
    edit_form.locator("button[type=submit]").click()
    rep.locator('[data-testid="changed-since-validation"]').wait_for()
    assert rep.locator('tr[data-key="kickoff"] td').nth(3).inner_text() == "8"

    new_go_live = timezone.localdate() + dt.timedelta(days=150)
    rep.fill('[data-testid="settings-form"] input[name="go_live_date"]', new_go_live.isoformat())
    rep.click('[data-testid="settings-form"] button[type=submit]')
    rep.get_by_text(new_go_live.isoformat()).first.wait_for()
    assert rep.locator('[data-testid="go-live-mismatch"]').count() == 0  # the deal followed the plan
    status = rep.inner_text('[data-testid="validation-status"]')
    assert "Changed since validation" in status
    assert "go_live_date" in status and new_go_live.isoformat() in status
    assert "duration_days" in status
    rep.screenshot(path=str(screenshots_dir / "closeplan-rep-changed.png"), full_page=True)

    rep.goto(f"/deals/{shared_deal.pk}/")
    assert rep.locator('[data-testid="changed-since-validation"]').is_visible()

    buyer.goto(url)
    assert "This plan changed since Jane Buyer confirmed it" in buyer.inner_text('[data-testid="confirm"]')
