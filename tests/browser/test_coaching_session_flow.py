"""Issue 10 in a real Chromium: the manager opens the weekly review, starts a
session on the top exception deal, records two answers and a commitment for
the rep; the rep sees the commitment on their desk and closes it; the next
session shows it closed and the RSVP change since."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from coaching.sessions.models import CoachingSession, Commitment
from deals.services import activity_log, deal_role_set
from tests.coaching.review.conftest import give_flag
from tests.conftest import browser_login
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, folder, name):
    page.screenshot(path=str(folder / f"coaching-{name}.png"), full_page=True)


def test_a_coaching_session_and_its_follow_up(new_page, migration_rows, alice, bob, screenshots_dir):
    account = AccountFactory(owner=alice, name="Initrode")
    deal = OpportunityFactory(account=account, name="Initrode platform", amount=480_000)
    give_flag(deal, "close_date_passed")  # a real reason for the manager to act
    OpportunityFactory(account=account, name="Initrode small add-on", amount=20_000)

    manager = new_page()
    browser_login(manager, "bob")
    manager.goto("/review/")
    top = manager.locator("#needs-you li[data-deal]").first
    assert top.get_attribute("data-deal") == str(deal.pk)
    shot(manager, screenshots_dir, "1-review")
    top.locator('[data-testid="coach-deal"]').click()
    manager.wait_for_url(re.compile(r".*/coaching-sessions/\d+/$"))
    session = CoachingSession.objects.get(opportunity=deal)
    assert session.kind == "manager"

    # Two answers, each from the gap where the question is asked (weakest dimension first).
    forms = manager.locator("form[data-testid^='answer-']")
    test_ids = [forms.nth(0).get_attribute("data-testid"), forms.nth(1).get_attribute("data-testid")]
    for index, (answer, evidence) in enumerate([("no", ""), ("partly", "Only met the IT director")]):
        form = manager.locator(f"form[data-testid='{test_ids[index]}']")
        form.locator("select[name=answer]").select_option(answer)
        form.locator("input[name=evidence]").fill(evidence)
        form.locator("button[type=submit]").click()
        manager.locator('[data-testid="session-answers"] li').nth(index).wait_for()
    assert session.answers.count() == 2

    form = manager.locator('[data-testid="commitment-form"]')
    form.locator("input[name=action]").fill("Get a meeting with the CFO about the business case")
    form.locator("select[name=owner]").select_option(str(alice.pk))
    form.locator("input[name=due_on]").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    form.locator("select[name=dimension]").select_option("relationships")
    form.locator("button[type=submit]").click()
    manager.locator('[data-testid="open-commitments"]').wait_for()
    commitment = Commitment.objects.get(opportunity=deal)
    assert commitment.owner == alice
    shot(manager, screenshots_dir, "2-session")
    manager.click('[data-testid="close-session"]')
    manager.locator('[data-testid="session-closed"]').wait_for()

    # The rep finds the commitment on her desk and closes it with what happened.
    rep = new_page()
    browser_login(rep, "alice")
    rep.goto("/deals/")
    desk = rep.locator('[data-testid="desk-commitments"]')
    assert "Get a meeting with the CFO" in desk.inner_text()
    shot(rep, screenshots_dir, "3-rep-desk")
    desk.locator("select[name=status]").select_option("done")
    desk.locator("input[name=outcome]").fill("Met the CFO on Thursday; she owns the budget")
    desk.locator("button[type=submit]").click()
    desk.locator('[data-testid="commitment-status"]').wait_for()
    commitment.refresh_from_db()
    assert (commitment.status, commitment.outcome) == ("done", "Met the CFO on Thursday; she owns the budget")

    # What the rep did between sessions, recorded on the deal: the CFO is the economic buyer and was met.
    cfo = StakeholderFactory(account=account, name="Carla Finch", title="CFO", seniority="c_level")
    deal_role_set(actor=alice, opportunity=deal, stakeholder=cfo, role="economic_buyer", stance="supporter",
                  influence="high", strength=3)
    activity_log(actor=alice, opportunity=deal, kind="meeting", summary="Business case with the CFO",
                 stakeholders=[cfo])

    # The next session shows the commitment closed and the RSVP change since the last one.
    manager.goto(f"/deals/{deal.pk}/")
    manager.click('[data-testid="start-session"]')
    manager.wait_for_url(re.compile(r".*/coaching-sessions/\d+/$"))
    follow_up = manager.locator('[data-testid="follow-up"]')
    closed = follow_up.locator('[data-testid="closed-commitments"]').inner_text()
    assert "Get a meeting with the CFO" in closed and "done" in closed and "Met the CFO on Thursday" in closed
    trend = follow_up.locator('[data-testid="trend-relationships"]').inner_text()
    assert "better" in trend
    shot(manager, screenshots_dir, "4-next-session")
