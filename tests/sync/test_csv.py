"""CSV import: dry run with per-row errors, import through the upsert services,
the management command and the browser page."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accounts.models import Account, Stakeholder
from deals.models import Opportunity
from sync.csv_import import CsvFileError, csv_import
from sync.models import ChangeLogEntry, CsvUpload
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = (
    "external_id,name,domain,industry,owner_username\n"
    "ACC-1,Initech,initech.example,Software,alice\n"
    "ACC-2,,globex.example,Energy,\n"
    "ACC-3,Umbrella,umbrella.example,Pharma,charlie\n"
)


def test_it_reports_per_row_errors_in_a_dry_run_and_writes_nothing(alice, charlie):
    entries_before = ChangeLogEntry.objects.count()

    report = csv_import(actor=alice, resource="accounts", content=ACCOUNTS.encode(), dry_run=True)

    assert (report.rows, report.created, report.updated) == (3, 1, 0)
    assert [(p.line, p.external_id) for p in report.problems] == [(3, "ACC-2"), (4, "ACC-3")]
    assert report.problems[0].errors == {"name": ["This field is required."]}
    assert "charlie" in report.problems[1].errors["owner_username"][0]
    assert not Account.objects.filter(external_id__startswith="ACC-").exists()
    assert ChangeLogEntry.objects.count() == entries_before


def test_it_imports_accounts_stakeholders_and_opportunities_through_the_upsert_services(alice, bob):
    accounts = csv_import(actor=alice, resource="accounts", content=ACCOUNTS.encode(), dry_run=False)
    assert accounts.created == 1 and len(accounts.problems) == 2  # good rows saved, bad ones reported
    initech = Account.objects.get(external_id="ACC-1")
    assert initech.owner == alice

    people = (
        "external_id,account_external_id,name,title,seniority,reports_to_external_id\n"
        "P-2,ACC-1,Bill Lumbergh,VP Engineering,vp,P-1\n"
        "P-1,ACC-1,Ada Boss,CEO,c_level,\n"
    )
    report = csv_import(actor=alice, resource="stakeholders", content=people, dry_run=False)
    assert report.ok and report.created == 2
    assert Stakeholder.objects.get(external_id="P-2").reports_to.external_id == "P-1"

    deals = (
        "external_id,account_external_id,name,amount,currency,stage,expected_close_date,competitors,owner_username\n"
        'D-1,ACC-1,Initech rollout,"120,000.00",EUR,evaluate,2026-09-30,Acme; Globex,bob\n'
    )
    report = csv_import(actor=bob, resource="opportunities", content=deals, dry_run=False)
    assert report.ok and report.created == 1, report.problems
    deal = Opportunity.objects.get(external_id="D-1")
    assert (str(deal.amount), deal.currency, deal.stage.slug, deal.owner) == ("120000.00", "EUR", "evaluate", bob)
    assert deal.competitors == ["do nothing", "Acme", "Globex"]

    again = csv_import(actor=bob, resource="opportunities", content=deals, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = deals.replace("evaluate", "propose")
    assert csv_import(actor=bob, resource="opportunities", content=changed, dry_run=False).updated == 1
    assert Opportunity.objects.filter(external_id="D-1").count() == 1


def test_it_reports_the_errors_of_the_upsert_service_by_line(alice):
    deals = (
        "external_id,account_external_id,name,stage,amount\n"
        "D-1,NOPE,Ghost deal,evaluate,10\n"
        "D-2,,No account,evaluate,10\n"
        "D-1,NOPE,Repeated,evaluate,10\n"
        "D-4,,Bad amount,evaluate,ten\n"
    )
    report = csv_import(actor=alice, resource="opportunities", content=deals, dry_run=True)
    problems = {p.line: p.errors for p in report.problems}
    assert set(problems) == {2, 3, 4, 5}
    assert "account_external_id" in problems[2]
    assert "account" in problems[3]
    assert "line 2" in problems[4]["external_id"][0]
    assert "amount" in problems[5]


def test_it_does_not_reach_other_teams_records(alice, charlie):
    AccountFactory(owner=charlie, external_id="SOUTH-1")
    people = "external_id,account_external_id,name\nP-9,SOUTH-1,Spy\n"
    report = csv_import(actor=alice, resource="stakeholders", content=people, dry_run=True)
    assert report.problems[0].errors == {
        "account_external_id": ["No account with this external id (or not visible to you)."]
    }


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"name,domain\nX,x.example\n", "external_id column"),
    (b"external_id,name,colour\nA,B,red\n", "Unknown column(s): colour"),
    ("external_id,name\nA,Caf\xe9\n".encode("latin-1"), "UTF-8"),
])
def test_it_refuses_an_unusable_file(alice, content, message):
    with pytest.raises(CsvFileError, match=re.escape(message)):
        csv_import(actor=alice, resource="accounts", content=content, dry_run=True)


def test_it_reads_an_excel_utf8_file_with_a_byte_order_mark(alice):
    content = "\ufeffexternal_id,name\nACC-7,Café Müller\n".encode()
    report = csv_import(actor=alice, resource="accounts", content=content, dry_run=False)
    assert report.ok
    assert Account.objects.get(external_id="ACC-7").name == "Café Müller"


# --- management command -------------------------------------------------------------------

def test_the_command_dry_runs_then_imports(alice, tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\nACC-1,Initech\nACC-2,Globex\n")
    call_command("import_csv", "accounts", str(path), "--user", "alice", "--dry-run")
    assert "Would create 2" in capsys.readouterr().out
    assert not Account.objects.filter(external_id__in=["ACC-1", "ACC-2"]).exists()

    call_command("import_csv", "accounts", str(path), "--user", "alice")
    assert Account.objects.filter(external_id__in=["ACC-1", "ACC-2"], owner=alice).count() == 2


def test_the_command_lists_row_problems_and_fails(alice, tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS)
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_csv", "accounts", str(path), "--user", "alice", "--dry-run")
    out = capsys.readouterr().out
    assert "line 3 (ACC-2): name: This field is required." in out


def test_the_command_refuses_an_unknown_user(db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("external_id,name\nA,B\n")
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_csv", "accounts", str(path), "--user", "nobody")


# --- browser page ---------------------------------------------------------------------------

def upload(client, content, resource="accounts"):
    return client.post("/import/", {
        "resource": resource, "file": SimpleUploadedFile("accounts.csv", content, content_type="text/csv"),
    })


def test_the_page_requires_login(client):
    response = client.get("/import/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_page_shows_a_dry_run_then_imports_the_good_rows(client, alice, charlie):
    client.force_login(alice)
    assert client.get("/import/").status_code == 200

    checked = upload(client, ACCOUNTS.encode())
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "Dry run — nothing has been written yet." in html
    assert html.count('data-testid="row-problem"') == 2
    assert "This field is required." in html
    assert not Account.objects.filter(external_id__startswith="ACC-").exists()

    upload_row = CsvUpload.objects.get()
    imported = client.post(f"/import/{upload_row.pk}/run/")
    assert imported.status_code == 200
    assert 'data-testid="import-done"' in imported.content.decode()
    assert list(Account.objects.filter(external_id__startswith="ACC-").values_list("external_id", flat=True)) == [
        "ACC-1"
    ]
    again = client.post(f"/import/{upload_row.pk}/run/")  # a double submit imports nothing twice
    assert again.status_code == 302


def test_the_page_reports_an_unusable_file(client, alice):
    client.force_login(alice)
    response = upload(client, b"external_id,name,colour\nA,B,red\n")
    assert response.status_code == 400
    assert "Unknown column(s): colour" in response.content.decode()
    assert not CsvUpload.objects.exists()


def test_nobody_else_can_run_your_upload(client, alice, bob):
    client.force_login(alice)
    upload(client, b"external_id,name\nACC-1,Initech\n")
    client.force_login(bob)
    assert client.post(f"/import/{CsvUpload.objects.get().pk}/run/").status_code == 404
    assert not Account.objects.filter(external_id="ACC-1").exists()
