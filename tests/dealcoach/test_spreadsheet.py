"""Finding 5 of issue 18: a deal named =HYPERLINK(...) was exported raw in the
review CSV. Every CSV export writes through dealcoach.spreadsheet."""

import csv
import io
import re

import pytest
from django.urls import reverse

from dealcoach.spreadsheet import spreadsheet_cell, spreadsheet_writer
from tests.dealcoach.test_architecture import ROOT
from tests.factories import AccountFactory, OpportunityFactory

FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_it_neutralises_text_that_would_start_a_formula_and_nothing_else():
    for text in FORMULAS:
        assert spreadsheet_cell(text) == "'" + text
    for value in ("Northwind", "a=b", "", None, -5, 1.5):
        assert spreadsheet_cell(value) == value
    out = io.StringIO()
    spreadsheet_writer(out).writerow(["=1+1", -3, None])
    assert out.getvalue() == "'=1+1,-3,\r\n"


@pytest.mark.django_db
def test_the_review_export_neutralises_deal_account_and_external_id(client, bob, alice):
    OpportunityFactory(account=AccountFactory(owner=alice, name="@evil account"), name='=HYPERLINK("http://x")',
                       external_id="+SF-1")
    client.force_login(bob)
    body = b"".join(client.get(reverse("review:export_csv")).streaming_content).decode()
    row = list(csv.DictReader(io.StringIO(body)))[0]
    assert (row["deal"], row["account"], row["external_id"]) == (
        "'=HYPERLINK(\"http://x\")", "'@evil account", "'+SF-1")


def test_every_csv_export_writes_through_the_one_helper():
    writers = [path.relative_to(ROOT).as_posix() for path in ROOT.glob("**/*.py")
               if not path.relative_to(ROOT).as_posix().startswith((".venv/", "tests/", "bench/"))
               and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())]
    assert writers == ["dealcoach/spreadsheet.py"]
