import pytest

from coaching.closeplan.models import Holiday, PlanTemplate, TemplateMilestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_it_lists_plans_templates_and_holidays(plan, as_admin):
    for url in (
        "/admin/closeplan/closeplan/",
        f"/admin/closeplan/closeplan/{plan.pk}/change/",
        "/admin/closeplan/plantemplate/",
        "/admin/closeplan/holiday/",
        "/admin/closeplan/sharelink/",
    ):
        assert as_admin.get(url).status_code == 200, url


def test_it_edits_holidays(as_admin):
    response = as_admin.post("/admin/closeplan/holiday/add/", {"date": "2025-12-25", "name": "Christmas"})
    assert response.status_code == 302
    assert Holiday.objects.get().name == "Christmas"


def _template_form(rows):
    data = {
        "name": "Short",
        "slug": "short",
        "description": "",
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
    }
    for i, (key, days, deps) in enumerate(rows):
        data |= {
            f"milestones-{i}-position": str(i),
            f"milestones-{i}-key": key,
            f"milestones-{i}-name": key.title(),
            f"milestones-{i}-side": "customer",
            f"milestones-{i}-duration_days": str(days),
            f"milestones-{i}-depends_on": deps,
        }
    return data


def test_it_adds_a_template(as_admin):
    response = as_admin.post(
        "/admin/closeplan/plantemplate/add/",
        _template_form([("pilot", 10, "[]"), ("go_live", 0, '["pilot"]')]),
    )
    assert response.status_code == 302
    assert list(TemplateMilestone.objects.filter(template__slug="short").values_list("key", flat=True)) == [
        "pilot",
        "go_live",
    ]


def test_it_refuses_a_template_with_a_cycle(as_admin):
    response = as_admin.post(
        "/admin/closeplan/plantemplate/add/", _template_form([("a", 1, '["b"]'), ("b", 1, '["a"]')])
    )
    assert response.status_code == 200
    assert "Dependency cycle" in response.content.decode()
    assert not PlanTemplate.objects.filter(slug="short").exists()
