"""The mutual close plan, in a real browser: the rep shares the plan by email from
the deal page; the buyer (a fresh context, phone-sized) proves their address with
the code from the mail, comments on a milestone, proposes a later go-live and
marks the evaluation done; the rep sees all three, accepts the date (the plan
reschedules, sign-by moves) and replies; the buyer sees the reply and confirms;
the coaching's Process evidence names who confirmed."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from coaching.closeplan.services import plan_create_from_template
from tests.conftest import browser_login
from tests.factories import AccountFactory, DealRoleFactory, OpportunityFactory, StakeholderFactory, stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture
def shared_deal(migration_rows, alice):
    alice.email = "alice@dealcoach.example"
    alice.save()
    deal = OpportunityFactory(
        account=AccountFactory(owner=alice, name="Northwind"),
        name="Northwind rollout",
        amount="987654.00",
        notes="SECRET-INTERNAL-NOTE",
        stage=stage("propose"),
    )
    cfo = StakeholderFactory(account=deal.account, name="Jane Buyer", title="CFO", seniority="c_level",
                             email="jane@northwind.example")
    DealRoleFactory(opportunity=deal, stakeholder=cfo, role="economic_buyer")
    plan_create_from_template(
        actor=alice, opportunity=deal, go_live_date=timezone.localdate() + dt.timedelta(days=140),
        why_go_live_matters="The new warehouse opens.",
    )
    return deal


def shot(page, folder, name, size):
    page.set_viewport_size(size)
    page.screenshot(path=str(folder / f"mutual-plan-{name}.png"), full_page=True)


def test_the_rep_and_the_buyer_work_the_plan_together(new_page, shared_deal, screenshots_dir):
    rep = new_page()
    browser_login(rep, "alice")
    rep.goto(f"/deals/{shared_deal.pk}/")
    sign_by_before = rep.inner_text('[data-testid="sign-by"]')
    rep.click('[data-testid="panel-closeplan"] [data-testid="share-plan"]')
    rep.check('input[name="recipients"]')
    rep.fill('textarea[name="note"]', "Here is the plan we discussed.")
    shot(rep, screenshots_dir, "1-rep-shares", DESKTOP)
    rep.click('[data-testid="share-send"]')
    rep.locator('[data-testid="share-url"]').wait_for()
    invitation = mail.outbox[-1]
    assert invitation.to == ["jane@northwind.example"] and "Here is the plan we discussed." in invitation.body
    url = re.search(r"https?://\S+/share/plan/\S+/", invitation.body).group(0)

    buyer = new_page()  # a fresh context: no session, no cookies
    buyer.set_viewport_size(PHONE)
    buyer.goto(url)
    assert "Northwind" not in buyer.inner_text("body")  # nothing before the address is proven
    buyer.fill('input[name="email"]', "jane@northwind.example")
    buyer.click('[data-testid="email-form"] button[type=submit]')
    buyer.locator('[data-testid="code-sent"]').wait_for()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    buyer.fill('input[name="code"]', code)
    shot(buyer, screenshots_dir, "2-buyer-code-phone", PHONE)
    buyer.click('[data-testid="code-form"] button[type=submit]')
    assert buyer.inner_text('[data-testid="me"]') == "Jane Buyer"
    body = buyer.inner_text("body")
    assert "The new warehouse opens." in body and "987" not in body and "SECRET-INTERNAL-NOTE" not in body

    step = buyer.locator("#step-evaluation")
    step.locator("summary", has_text="Comment").click()
    step.locator('textarea[name="body"]').fill("Can the pilot <b>start</b> a week later?")
    step.locator('[data-testid="comment-evaluation"] button[type=submit]').click()
    buyer.locator("#step-evaluation [data-testid=comment]").wait_for()

    later = timezone.localdate() + dt.timedelta(days=170)
    go_live = buyer.locator("#go-live")
    go_live.locator("summary", has_text="Propose another go-live date").click()
    go_live.locator('input[name="proposed_date"]').fill(later.isoformat())
    go_live.locator('textarea[name="reason"]').fill("Our board meets later.")
    go_live.locator('[data-testid="propose-go_live"] button[type=submit]').click()
    buyer.locator("#go-live [data-testid=proposal]").wait_for()

    step = buyer.locator("#step-evaluation")
    step.locator("summary", has_text="Mark done").click()
    step.locator('input[name="done_on"]').fill(timezone.localdate().isoformat())
    step.locator('[data-testid="done-evaluation"] button[type=submit]').click()
    assert buyer.inner_text('[data-testid="status-evaluation"]').startswith("Done")
    shot(buyer, screenshots_dir, "3-buyer-acted-phone", PHONE)

    rep.goto(f"/deals/{shared_deal.pk}/")
    assert "Customer waiting on you: 2" in rep.inner_text('[data-testid="customer-waiting"]')
    rep.goto(f"/deals/{shared_deal.pk}/plan/")
    thread = rep.locator('[data-testid="customer-thread"]')
    assert "Can the pilot <b>start</b> a week later?" in thread.inner_text()
    assert "Our board meets later." in thread.inner_text()
    assert "Done" in rep.inner_text('tr[data-key="evaluation"] .cp-status')
    assert "marked by Jane Buyer" in rep.inner_text('[data-testid="done-by-evaluation"]')
    shot(rep, screenshots_dir, "4-rep-sees-thread", DESKTOP)
    thread.locator('[data-testid="rep-proposal"] textarea[name="reply"]').fill("Agreed, we move with you.")
    thread.locator('[data-testid="rep-proposal"] button', has_text="Accept and reschedule").click()
    rep.get_by_text("Accepted: the plan is rescheduled").wait_for()
    thread = rep.locator('[data-testid="customer-thread"]')
    thread.locator('[data-testid="rep-comment"] textarea[name="body"]').fill("Yes, a week later works.")
    thread.locator('[data-testid="rep-comment"] button', has_text="Send reply").click()
    rep.get_by_text("Reply sent").wait_for()
    rep.goto(f"/deals/{shared_deal.pk}/")
    assert rep.inner_text('[data-testid="sign-by"]') != sign_by_before
    assert rep.locator('[data-testid="customer-waiting"]').count() == 0

    buyer.reload()
    assert "Yes, a week later works." in buyer.inner_text('#step-evaluation [data-testid="comment-reply"]')
    assert "Accepted" in buyer.inner_text('#go-live [data-testid="proposal"]')
    assert later.strftime("%-d") in buyer.inner_text('[data-testid="go-live"]')
    buyer.click('[data-testid="confirm-button"]')
    assert "Jane Buyer, CFO confirmed this plan" in buyer.inner_text('[data-testid="confirmed"]')
    shot(buyer, screenshots_dir, "5-buyer-confirmed-phone", PHONE)
    shot(buyer, screenshots_dir, "5-buyer-confirmed-desktop", DESKTOP)

    rep.goto(f"/deals/{shared_deal.pk}/")
    process = rep.inner_text('[data-dimension="process"]')
    assert "Someone who can sign validated the close plan (“Jane Buyer”)." in process
    shot(rep, screenshots_dir, "6-rep-deal-page-desktop", DESKTOP)
    shot(rep, screenshots_dir, "6-rep-deal-page-phone", PHONE)
