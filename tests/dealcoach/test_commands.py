import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dealcoach.models import Team, User
from deals.models import Stage

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
