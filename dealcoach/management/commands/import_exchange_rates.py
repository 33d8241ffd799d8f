"""Import exchange rates from a CSV file (base_currency, quote_currency, rate,
valid_from[, source]): the same service as POST /api/v1/exchange-rates/import/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dealcoach.rates.services import CsvFileError, exchange_rates_import_csv


class Command(BaseCommand):
    help = "Import exchange rates from a CSV file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

    def handle(self, *args, path: Path, dry_run: bool = False, **options):
        try:
            report = exchange_rates_import_csv(content=path.read_bytes(), dry_run=dry_run)
        except (OSError, CsvFileError) as error:
            raise CommandError(str(error)) from error
        for problem in report.problems:
            for name, reasons in problem["errors"].items():
                self.stderr.write(f"line {problem['line']}: {name}: {' '.join(reasons)}")
        if not report.ok:
            raise CommandError(f"{len(report.problems)} bad row(s) of {report.rows}; nothing imported.")
        verb = "would import" if dry_run else "imported"
        self.stdout.write(f"{report.rows} row(s) {verb}: {report.created} new, {report.updated} replaced.")
