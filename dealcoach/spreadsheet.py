"""CSV for spreadsheets: every export writes through `spreadsheet_writer`, so no
text a user or a connector typed (a deal named ``=HYPERLINK(...)``) can start a
formula when the file is opened in Excel, LibreOffice or Google Sheets. Uploaded
CSV files (the sync import, exchange rates) are read as text by `csv_upload_text`."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# What makes a spreadsheet read a cell as a formula (OWASP "CSV injection"); tab and carriage
# return because some spreadsheets strip them and then read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """`value`, with a text that would start a formula prefixed by an apostrophe
    (shown as text, not evaluated). Numbers, dates and None pass unchanged: a
    negative number is a number, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetWriter:
    """A `csv.writer` whose every text cell goes through `spreadsheet_cell`."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def spreadsheet_writer(file, **kwargs) -> SpreadsheetWriter:
    return SpreadsheetWriter(file, **kwargs)


class CsvFileError(Exception):
    """An uploaded CSV file that cannot be read at all (too large, not text, no header)."""


def csv_upload_text(content: bytes | str, *, max_bytes: int) -> str:
    """The text of an uploaded CSV file: at most `max_bytes`, UTF-8 (a spreadsheet's
    byte-order mark dropped), else CsvFileError with a message for the person who sent it."""
    if isinstance(content, str):
        return content
    if len(content) > max_bytes:
        raise CsvFileError(f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError("The file is not UTF-8 text; export it from the spreadsheet as CSV UTF-8.") from None
