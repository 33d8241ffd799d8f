"""python manage.py import_csv RESOURCE FILE --user USERNAME [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dealcoach.models import User
from sync.csv_import import RESOURCES, CsvFileError, csv_import


class Command(BaseCommand):
    help = "Import accounts, stakeholders or opportunities from a CSV file, upserting by external_id."

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=RESOURCES)
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Import as this user (their visibility and ownership rules).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")

    def handle(self, *args, resource, file, user, dry_run, **options):
        try:
            actor = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {user!r}.") from None
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = csv_import(actor=actor, resource=resource, content=content, dry_run=dry_run)
        except CsvFileError as error:
            raise CommandError(str(error)) from None
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(
            f"{resource}: {report.rows} rows. {verb} {report.created}, "
            f"{'would update' if dry_run else 'updated'} {report.updated}, unchanged {report.unchanged}."
        )
        for problem in report.problems:
            reasons = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in problem.errors.items())
            self.stdout.write(f"  line {problem.line} ({problem.external_id or 'no external_id'}): {reasons}")
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} row(s) have problems"
                + (" (nothing was written: dry run)." if dry_run else "; the other rows were imported.")
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
