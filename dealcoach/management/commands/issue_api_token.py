from django.core.management.base import BaseCommand, CommandError

from dealcoach.models import User
from dealcoach.tokens import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user. The token is printed once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'Salesforce sync'.")

    def handle(self, *args, username, name="", **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named '{username}'.")
        token, plain = api_token_issue(user=user, name=name)
        self.stdout.write(f"Token {token.prefix}… issued for {username}" + (f" ({name})" if name else "") + ".")
        self.stdout.write("Store it now; it is not shown again:")
        self.stdout.write(plain)
