import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dealcoach.models import Team, User


class Command(BaseCommand):
    help = "Create a user who logs in: a rep, a manager or an admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=["rep", "manager", "admin"])
        parser.add_argument("--team", help="Team name (created if missing).")
        parser.add_argument("--password", help="Password; a random one is generated and printed if omitted.")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, team=None, password=None, email="", **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named '{username}' already exists.")
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        user = User(username=username, role=role, email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        if team:
            user.team, _ = Team.objects.get_or_create(name=team)
        user.is_staff = user.is_superuser = role == "admin"
        user.set_password(password)
        user.save()
        if role == "manager" and user.team and user.team.manager_id is None:
            user.team.manager = user
            user.team.save(update_fields=["manager"])
        self.stdout.write(f"Created {role} '{username}'" + (f" on team '{team}'" if team else "") + ".")
        if generated:
            self.stdout.write(f"Password: {password}")
