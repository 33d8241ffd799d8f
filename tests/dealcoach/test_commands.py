import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account
from dealcoach.models import Team, User
from deals.models import DealRole, Opportunity, Stage

pytestmark = pytest.mark.django_db


def test_it_adds_a_team_with_its_manager():
    call_command("add_user", "mona", "--role", "manager", "--password", "a-long-enough-pass-9")
    call_command("add_team", "West", "--manager", "mona")
    team = Team.objects.get(name="West")
    assert team.manager.username == "mona"
    assert User.objects.get(username="mona").team == team


def test_it_refuses_a_rep_as_team_manager():
    call_command("add_user", "rick", "--role", "rep", "--password", "a-long-enough-pass-9")
    with pytest.raises(CommandError, match="only a manager"):
        call_command("add_team", "West", "--manager", "rick")


def test_it_adds_users_with_roles_and_teams():
    call_command("add_user", "ann", "--role", "rep", "--team", "East", "--password", "a-long-enough-pass-9")
    ann = User.objects.get(username="ann")
    assert (ann.role, ann.team.name) == ("rep", "East")
    assert ann.check_password("a-long-enough-pass-9")


def test_it_refuses_a_common_password():
    with pytest.raises(CommandError, match="Password refused"):
        call_command("add_user", "ann", "--role", "rep", "--password", "password123")
    assert not User.objects.filter(username="ann").exists()


def test_it_refuses_a_duplicate_user():
    call_command("add_user", "ann", "--role", "admin", "--password", "a-long-enough-pass-9")
    with pytest.raises(CommandError, match="already exists"):
        call_command("add_user", "ann", "--role", "rep", "--password", "a-long-enough-pass-9")


def test_the_default_stages_are_installed():
    assert [(s.slug, s.probability, s.rot_days) for s in Stage.objects.order_by("order")] == [
        ("qualify", 10, 14), ("discover", 20, 14), ("evaluate", 40, 21), ("propose", 60, 21), ("negotiate", 80, 14),
    ]


def test_seed_demo_builds_a_realistic_pipeline_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    maria = User.objects.get(username="maria")
    assert maria.role == "manager" and maria.managed_teams.count() == 1
    assert User.objects.filter(role="rep", team__manager=maria).count() == 3
    assert Account.objects.filter(owner__team__manager=maria).count() >= 10
    open_deals = Opportunity.objects.filter(status="open", owner__team__manager=maria)
    assert 25 <= open_deals.count() <= 35
    assert set(open_deals.values_list("stage__slug", flat=True)) == {"qualify", "discover", "evaluate", "propose", "negotiate"}
    without_eb = open_deals.exclude(roles__role="economic_buyer")
    assert without_eb.exists() and open_deals.filter(roles__role="economic_buyer").exists()
    assert DealRole.objects.filter(opportunity__in=open_deals).count() > 60
    call_command("seed_demo")
    assert Opportunity.objects.filter(external_id__startswith="demo-").count() == 33
