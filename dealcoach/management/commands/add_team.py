from django.core.management.base import BaseCommand, CommandError

from dealcoach.models import Team, User


class Command(BaseCommand):
    help = "Create a sales team (or update its manager)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--manager", help="Username of the team's manager.")

    def handle(self, *args, name, manager=None, **options):
        team, created = Team.objects.get_or_create(name=name)
        if manager:
            try:
                user = User.objects.get(username=manager)
            except User.DoesNotExist:
                raise CommandError(f"No user named '{manager}'. Create it first with add_user.") from None
            if user.role not in ("manager", "admin"):
                raise CommandError(f"'{manager}' is a {user.role}; only a manager or admin can manage a team.")
            team.manager = user
            team.save(update_fields=["manager"])
            if user.team_id is None:
                user.team = team
                user.save(update_fields=["team"])
        self.stdout.write(f"{'Created' if created else 'Updated'} team '{team.name}'"
                          + (f" managed by {team.manager.username}" if team.manager else "") + ".")
