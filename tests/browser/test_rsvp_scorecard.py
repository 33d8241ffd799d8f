"""Issue 14 in a real Chromium: the deal page asks the deal's top-ranked gap
first, and its RSVP scorecard shows at most three gaps per dimension; the rest
open under "N more" (a native <details>, so keyboard and screen readers get it)."""

import pytest

from coaching.rsvp.scoring import GAPS_SHOWN
from coaching.rsvp.selectors import coaching_result_for
from deals.models import Stage
from tests.conftest import browser_login
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_scorecard_shows_three_gaps_per_dimension_and_expands_the_rest(
    new_page, migration_rows, alice, screenshots_dir
):
    # A proposal with nothing behind it: Process alone has more than three gaps.
    deal = OpportunityFactory(account=AccountFactory(owner=alice), name="Hooli proposal",
                              stage=Stage.objects.get(slug="propose"))
    result = coaching_result_for(deal)
    crowded = max(result.dimensions, key=lambda name: len(result.dimensions[name].gaps))
    total = len(result.dimensions[crowded].gaps)
    assert total > GAPS_SHOWN

    page = new_page()
    browser_login(page, "alice")
    page.goto(f"/deals/{deal.pk}/")
    assert page.locator('[data-testid="top-question"]').inner_text() == result.next_gap.question
    for name in result.dimensions:
        card = page.locator(f'article.rsvp-dimension[data-dimension="{name}"]')
        shown = card.locator('[data-testid="rsvp-gap"]:visible')
        assert shown.count() == min(GAPS_SHOWN, len(result.dimensions[name].gaps)), name

    card = page.locator(f'article.rsvp-dimension[data-dimension="{crowded}"]')
    more = card.locator('[data-testid="rsvp-more-gaps"] summary')
    assert more.inner_text().strip().startswith(f"{total - GAPS_SHOWN} more gap")
    more.focus()
    page.keyboard.press("Enter")  # the keyboard opens it, as a click would
    card.locator('[data-testid="rsvp-more-gaps"][open]').wait_for()
    assert card.locator('[data-testid="rsvp-gap"]:visible').count() == total
    page.screenshot(path=str(screenshots_dir / "rsvp-scorecard-more-gaps.png"), full_page=True)
