from django.core.management.base import BaseCommand, CommandError

from dealcoach.models import ApiToken
from dealcoach.tokens import api_token_revoke, hash_token


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (the first characters shown when it was issued)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        prefix = prefix.strip().rstrip("…")
        if len(prefix) < 6:
            raise CommandError("Give at least the first 6 characters of the token.")
        active = ApiToken.objects.filter(revoked_at__isnull=True).select_related("user")
        if len(prefix) > 12:  # the whole token
            matches = list(active.filter(key_hash=hash_token(prefix)))
        else:
            matches = list(active.filter(prefix__startswith=prefix))
        if not matches:
            raise CommandError(f"No active token starts with '{prefix}'.")
        if len(matches) > 1:
            raise CommandError(f"'{prefix}' matches {len(matches)} tokens; give more characters.")
        api_token_revoke(token=matches[0])
        self.stdout.write(f"Revoked {matches[0]}.")
