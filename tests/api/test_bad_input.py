"""Findings 7, 8 and 9 of issue 18: crafted input answered 500s, Django HTML
pages or the wrong status. Each case is the probe's request, answered now with
a 4xx in the API's error shape."""

import base64
import json
import threading

import pytest
from django.db import connections
from django.urls import reverse

from accounts.models import Account
from dealcoach.api.parsers import MAX_DEPTH
from tests.api.conftest import client_for
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return '{"name": ' + "[" * depth + "]" * depth + "}"


def test_it_refuses_json_nested_deeper_than_the_limit_with_400(alice):
    api = client_for(alice)
    response = api.post("/api/v1/accounts/", nested(1000), content_type="application/json")
    assert response.status_code == 400 and "nested deeper" in response.json()["detail"]
    assert api.post("/api/v1/accounts/", nested(MAX_DEPTH - 1), content_type="application/json").status_code == 400
    # the depth count ignores brackets inside strings
    ok = api.post("/api/v1/accounts/", json.dumps({"name": "[{" * 90, "external_id": "DEEP-TEXT"}),
                  content_type="application/json")
    assert ok.status_code == 201, ok.content


@pytest.mark.parametrize("path", ["/api/v1/accounts/", "/api/v1/opportunities/", "/api/v1/activities/"])
def test_it_refuses_a_utc_offset_no_place_has(alice, path):
    response = client_for(alice).get(path, {"updated_since": "2026-01-01T00:00:00+20:00"})
    assert response.status_code == 400 and "updated_since" in response.json()["errors"]
    assert client_for(alice).get(path, {"updated_since": "2026-01-01T00:00:00+14:00"}).status_code == 200


def test_it_refuses_nul_characters_in_the_url_with_400(client, alice):
    response = client_for(alice).get("/api/v1/commitments/?owner=a%00b")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "nul_character"
    assert client.get("/deals/?q=a%00b").status_code == 400


def test_it_answers_an_oversized_body_with_413_in_json(alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(alice).post("/api/v1/accounts/", {"name": "x" * 2000}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_it_refuses_a_forged_cursor_with_a_plain_message(alice):
    forged = base64.b64encode(b"p=not-a-date&o=0").decode()
    response = client_for(alice).get("/api/v1/accounts/", {"cursor": forged})
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["Not a cursor this API gave out."]}


def test_a_malformed_if_match_is_400_and_a_stale_one_412(alice):
    account = AccountFactory(owner=alice)
    api = client_for(alice)
    malformed = api.patch(f"/api/v1/accounts/{account.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH="abc")
    assert malformed.status_code == 400 and "If-Match" in malformed.json()["errors"]
    stale = api.patch(f"/api/v1/accounts/{account.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH='W/"1-2"')
    assert stale.status_code == 412


def test_the_login_lockout_says_when_to_try_again(client, alice):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and response["Retry-After"] == "900"


def test_exports_answer_their_errors_in_json(alice, charlie_deal):
    for export in ("export.csv", "export.ics"):
        response = client_for(alice).get(f"/api/v1/opportunities/{charlie_deal.pk}/close-plan/{export}")
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


def test_a_create_with_a_taken_external_id_is_409_with_a_code_and_no_data(alice, charlie):
    AccountFactory(owner=charlie, external_id="SF-001", name="Southwind secret")
    response = client_for(alice).post("/api/v1/accounts/", {"name": "Mine", "external_id": "SF-001"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "external_id_taken"
    assert "Southwind" not in response.content.decode()


def test_an_external_id_another_team_deleted_is_free_again(alice, charlie):
    squatter = AccountFactory(owner=charlie, external_id="SF-001")
    api = client_for(alice)
    assert api.put("/api/v1/accounts/external/SF-001/", {"name": "Ours"}, format="json").status_code == 409
    squatter.mark_deleted()
    squatter.save()
    response = api.put("/api/v1/accounts/external/SF-001/", {"name": "Ours"}, format="json")
    assert response.status_code == 201, response.content
    assert Account.objects.get(external_id="SF-001").owner == alice
    squatter.refresh_from_db()
    assert squatter.external_id is None and squatter.deleted_at is not None


def test_a_deleted_record_of_ones_own_answers_409_deleted(alice):
    deal = OpportunityFactory(account=AccountFactory(owner=alice), external_id="GONE-2")
    deal.mark_deleted()
    deal.save()
    response = client_for(alice).put("/api/v1/opportunities/external/GONE-2/", {"name": "Back"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "external_id_deleted"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_rows")
def test_concurrent_creates_with_one_external_id_give_one_row_and_409s_never_a_500(alice):
    clients = [client_for(alice) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def create(api):
        try:
            barrier.wait(timeout=10)
            statuses.append(api.post("/api/v1/accounts/", {"name": "Race", "external_id": "RACE-1"},
                                     format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(api,)) for api in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * (len(clients) - 1), statuses
    assert Account.objects.filter(external_id="RACE-1").count() == 1
