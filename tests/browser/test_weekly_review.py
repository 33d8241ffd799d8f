"""The manager's weekly review in a real browser: bob logs in, lands on the
review, sees the team totals and the exception deal with the question to ask,
and opens the deal from its heatmap cell."""

import importlib

import pytest
from django.apps import apps

from tests.coaching.review.conftest import ANCHORED, QUESTIONS, give_flag, give_score
from tests.coaching.review.helpers import deal
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush data migrations' rows: put stages and the default template back."""
    from deals.models import Stage

    stages = importlib.import_module("deals.migrations.0002_default_stages").DEFAULT_STAGES
    for slug, name, order, probability, rot_days, category in stages:
        Stage.objects.get_or_create(slug=slug, defaults={
            "name": name, "order": order, "probability": probability, "rot_days": rot_days,
            "forecast_category": category,
        })
    importlib.import_module("coaching.closeplan.migrations.0002_default_template").create_default_template(
        apps, None
    )


@pytest.fixture
def team_pipeline(reference_data, alice, bob, charlie):
    risky = deal(alice, name="Northwind rollout", amount=480000, stage_slug="propose",
                 forecast_category="best_case", **ANCHORED)
    give_score(risky, r=75, s=72, v=80, p=20)
    give_flag(risky, "single_threaded")
    healthy = deal(alice, name="Contoso expansion", amount=120000, stage_slug="evaluate",
                   forecast_category="pipeline", **ANCHORED)
    give_score(healthy)
    deal(charlie, name="Southwind pilot", amount=999000)
    return risky


def test_the_manager_reviews_the_week_and_opens_an_exception(new_page, team_pipeline, screenshots_dir):
    page = new_page()
    browser_login(page, "bob")

    assert page.url.endswith("/review/")
    totals = page.locator("#totals")
    assert "Team totals" in totals.inner_text()
    best_case = totals.locator('[data-testid="totals-USD"] tr[data-category="best_case"]')
    assert "480,000" in best_case.inner_text()
    assert "Southwind" not in page.content()

    queue_row = page.locator(f'#queue tr.queue-row[data-deal="{team_pipeline.pk}"]')
    assert "Northwind rollout" in queue_row.inner_text()
    assert "Single-threaded" in queue_row.inner_text()
    assert QUESTIONS["process"] in queue_row.locator("td.question").inner_text()
    page.screenshot(path=str(screenshots_dir / "review-weekly.png"), full_page=True)

    cell = page.locator(f'#heatmap tr[data-deal="{team_pipeline.pk}"] a[data-dimension="process"]')
    assert cell.inner_text().strip() == "20"
    page.locator("#heatmap").screenshot(path=str(screenshots_dir / "review-heatmap.png"))
    cell.click()
    page.wait_for_load_state("networkidle")

    assert f"/deals/{team_pipeline.pk}/" in page.url
    assert "Northwind rollout" in page.content()
    page.screenshot(path=str(screenshots_dir / "review-deal-from-heatmap.png"), full_page=True)


def test_the_filters_narrow_the_review_without_a_reload(new_page, team_pipeline, screenshots_dir):
    page = new_page()
    browser_login(page, "bob")

    page.select_option("select[name=category]", "pipeline")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('#heatmap').innerText.includes('Northwind rollout')")

    assert "category=pipeline" in page.url
    assert "Contoso expansion" in page.locator("#heatmap").inner_text()
