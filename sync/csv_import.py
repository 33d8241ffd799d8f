"""CSV import for teams coming from spreadsheets: accounts, stakeholders and
opportunities, through the same upsert-by-external-id services as the API
(`sync.upsert.accounts`, `sync.upsert.deals`), so a row means exactly what a bulk-upsert
item means.

The file's columns are the API's field names (`external_id`, `name`,
`account_external_id`, `stage`, ...), plus `owner_username` for people who do
not know user ids. An empty cell leaves the field as it is; `competitors` are
separated by semicolons. A dry run does the whole import inside a transaction
and rolls it back, so it reports exactly the errors the real import would
meet (including references to rows earlier in the same file) and writes
nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from dealcoach.audit.context import audit_context
from dealcoach.models import User
from dealcoach.permissions import visible_users_q
from dealcoach.spreadsheet import CsvFileError, csv_upload_text
from sync.fieldspecs import Boolean, DecimalString, Integer, ListOf, Object, Spec
from sync.upsert.accounts import ACCOUNT_SPECS, STAKEHOLDER_SPECS, accounts_upsert, stakeholders_upsert
from sync.upsert.deals import OPPORTUNITY_SPECS, opportunities_upsert

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
CHUNK = 1000  # the bulk upsert's own limit
RESOURCES = ("accounts", "stakeholders", "opportunities")


@dataclass
class RowProblem:
    line: int  # as a spreadsheet numbers it: the header is line 1
    external_id: str | None
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    resource: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


UPSERTS: dict[str, tuple[Callable[..., list], dict[str, Spec]]] = {
    "accounts": (accounts_upsert, ACCOUNT_SPECS),
    "stakeholders": (stakeholders_upsert, STAKEHOLDER_SPECS),
    "opportunities": (opportunities_upsert, OPPORTUNITY_SPECS),
}


def _upsert_service(resource: str) -> tuple[Callable[..., list], dict[str, Spec]]:
    try:
        return UPSERTS[resource]
    except KeyError:
        raise ValueError(f"Unknown resource {resource!r}; one of {', '.join(RESOURCES)}.") from None


def importable_columns(resource: str) -> list[str]:
    _, specs = _upsert_service(resource)
    columns = ["external_id"]
    for name, spec in specs.items():
        if isinstance(spec, ListOf) and isinstance(spec.item, Object):
            continue  # nested lists (deal roles) do not fit in a cell
        columns.append(name)
        if name == "owner":
            columns.append("owner_username")
    return columns


def _cell_value(spec: Spec, text: str) -> Any:
    """A cell as the JSON value the spec expects; left as text when it does not
    fit, so the spec names the problem."""
    if isinstance(spec, Integer):
        return int(text) if text.isdigit() else text
    if isinstance(spec, DecimalString):
        return text.replace(",", "").replace(" ", "")
    if isinstance(spec, Boolean):
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        return text
    if isinstance(spec, ListOf):
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def read_rows(content: bytes | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows (with their line numbers) of a CSV file; CsvFileError when unreadable."""
    content = csv_upload_text(content, max_bytes=MAX_BYTES)
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise CsvFileError("The file is empty.") from None
    except csv.Error as error:
        raise CsvFileError(f"Not a readable CSV file: {error}.") from None
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvFileError(f"At most {MAX_ROWS} rows per file; split it.")
            if len(values) > len(header):
                rows.append((reader.line_num, {"__extra__": "x"}))
                continue
            rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise CsvFileError(f"Not a readable CSV file (line {reader.line_num}): {error}.") from None
    return header, rows


def check_header(resource: str, header: list[str]) -> None:
    allowed = importable_columns(resource)
    if "external_id" not in header:
        raise CsvFileError("The file needs an external_id column: it is how rows are matched on re-import.")
    unknown = [name for name in header if name not in allowed]
    if unknown:
        raise CsvFileError(
            f"Unknown column(s): {', '.join(unknown)}. The {resource} columns are: {', '.join(allowed)}."
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise CsvFileError(f"Repeated column(s): {', '.join(repeated)}.")


def rows_to_items(*, actor, resource: str, rows: list[tuple[int, dict[str, str]]]):
    """(items for the upsert service, their line numbers, problems found before it)."""
    _, specs = _upsert_service(resource)
    usernames = {r.get("owner_username", "").strip() for _, r in rows} - {""}
    owners = dict(
        User.objects.filter(visible_users_q(actor), username__in=usernames, is_active=True)
        .values_list("username", "id")
    ) if usernames else {}
    items, lines, problems = [], [], []
    first_line: dict[str, int] = {}
    for line, row in rows:
        if "__extra__" in row:
            problems.append(RowProblem(line, None, {"non_field_errors": ["More cells than columns."]}))
            continue
        item: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, raw in row.items():
            text = (raw or "").strip()
            if not text:
                continue
            if name == "external_id":
                item[name] = text
            elif name == "owner_username":
                if text not in owners:
                    errors["owner_username"] = [f"No user {text!r} you can assign records to."]
                else:
                    item["owner"] = owners[text]
            else:
                item[name] = _cell_value(specs[name], text)
        external_id = item.get("external_id")
        if external_id is None:
            errors.setdefault("external_id", []).append("Every row needs an external_id.")
        elif external_id in first_line:
            errors.setdefault("external_id", []).append(
                f"Repeats the external id of line {first_line[external_id]}."
            )
        else:
            first_line[external_id] = line
        if errors:
            problems.append(RowProblem(line, external_id, errors))
            continue
        items.append(item)
        lines.append(line)
    return items, lines, problems


def csv_import(*, actor, resource: str, content: bytes | str, dry_run: bool) -> ImportReport:
    """Import (or, with `dry_run`, check) a CSV file of `resource`. Raises
    CsvFileError when the file itself is unusable; row problems are in the
    report. A real import saves the good rows even when others fail, like
    the bulk upsert."""
    service, _ = _upsert_service(resource)
    header, rows = read_rows(content)
    check_header(resource, header)
    report = ImportReport(resource=resource, dry_run=dry_run, rows=len(rows))
    items, lines, report.problems = rows_to_items(actor=actor, resource=resource, rows=rows)
    with transaction.atomic(), _import_context(actor):
        for start in range(0, len(items), CHUNK):
            results = service(actor=actor, items=items[start:start + CHUNK])
            for result in results:
                line = lines[start + result.index]
                if result.result == "error":
                    report.problems.append(RowProblem(line, result.external_id, result.errors))
                else:
                    setattr(report, result.result, getattr(report, result.result) + 1)
        if dry_run:
            transaction.set_rollback(True)
    report.problems.sort(key=lambda p: p.line)
    return report


def _import_context(actor):
    """Attribute the writes to the importing user, as an import, in the audit history."""
    return audit_context(actor=actor, source="import")
