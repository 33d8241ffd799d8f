"""The OpenAPI schema as connector developers use it: it validates, lints
clean with redocly, and client generators type it fully — a Python client
(openapi-python-client) does the sync round trip against the live server with
no hand-written HTTP, and TypeScript types (openapi-typescript) compile a
typed bulk upsert (`tsc --noEmit`). Generators must not warn.

The npm tools come from tests/api/clients/package.json (+ lock), installed once
into .cache/api-clients/ (the `npm_tools` fixture of tests/conftest.py)."""

import datetime as dt
import importlib
import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from dealcoach.tokens import api_token_issue
from tests.conftest import run_tool as run

pytestmark = [pytest.mark.clients]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).resolve().parent / "clients"
PACKAGE = "dealcoach_api_client"


@pytest.fixture
def npm_bin(npm_tools) -> Path:
    return npm_tools / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory) -> Path:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    path = tmp_path_factory.mktemp("schema") / "openapi.json"
    path.write_text(json.dumps(schema, indent=1, default=str))
    return path


def test_it_passes_the_openapi_spec_validator(schema_file):
    validate(json.loads(schema_file.read_text()))


def test_it_shapes_the_schema_for_generators(schema_file):
    schema = json.loads(schema_file.read_text())
    components = schema["components"]["schemas"]
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) and not i.startswith("v1_") for i in ids), ids
    assert all(op.get("tags") and op.get("summary") for _, _, op in operations)
    assert not [op["operationId"] for _, _, op in operations if "Subclasses" in op.get("description", "")]
    for path, method, op in operations:
        for code, response in op["responses"].items():
            assert "X-Request-ID" in response["headers"], (path, method, code)
            if int(code) >= 400:
                assert response["content"] == {"application/json": {
                    **response["content"]["application/json"], "schema": {"$ref": "#/components/schemas/Error"}}}
    assert components["Error"]["required"] == ["detail", "code"]
    assert [name for name in components if name.endswith("Error")] == ["Error"]
    bulk = schema["paths"]["/api/v1/opportunities/bulk-upsert/"]["post"]
    assert bulk["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OpportunityBulkUpsertRequest"}
    assert components["OpportunityBulkUpsertRequest"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/OpportunityBulkItem"}
    assert "x-item-schema" not in schema_file.read_text()
    assert set(bulk["responses"]["200"]["headers"]) >= {"Idempotent-Replayed", "RateLimit-Limit", "RateLimit-Remaining",
                                                        "RateLimit-Reset"}
    assert "Retry-After" in bulk["responses"]["429"]["headers"]
    assert "ETag" in schema["paths"]["/api/v1/accounts/{id}/"]["get"]["responses"]["200"]["headers"]
    owner = next(p for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"] if p["name"] == "owner")
    assert owner["schema"]["type"] == "integer"
    inline = [(path, method) for path, method, op in operations if "requestBody" in op
              and any("$ref" not in media["schema"] for media in op["requestBody"]["content"].values())]
    assert inline == []


def test_redocly_lint_finds_no_error(schema_file, npm_bin):
    result = run([str(npm_bin / "redocly"), "lint", str(schema_file), "--config", str(ROOT / "redocly.yaml"),
                  "--format=stylish"], cwd=ROOT)
    assert " error " not in result.stdout + result.stderr


def test_typescript_types_compile_a_typed_bulk_upsert(schema_file, npm_bin, tmp_path):
    shutil.copy(CLIENTS / "bulk_upsert.ts", tmp_path)
    shutil.copy(CLIENTS / "tsconfig.json", tmp_path)
    generated = run([str(npm_bin / "openapi-typescript"), str(schema_file), "-o", str(tmp_path / "dealcoach-api.d.ts")],
                    cwd=tmp_path)
    assert not re.search(r"warn|⚠", generated.stdout + generated.stderr, flags=re.I), generated.stderr
    run([str(npm_bin / "tsc"), "--noEmit", "-p", str(tmp_path / "tsconfig.json")], cwd=tmp_path)


@pytest.fixture
def python_client(schema_file, tmp_path):
    """openapi-python-client's package for the schema, importable; no warnings allowed."""
    output = tmp_path / PACKAGE
    config = tmp_path / "generator.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no ruff pass over the generated code: it is not kept
    result = run([str(Path(sys.executable).parent / "openapi-python-client"), "generate", "--path", str(schema_file),
                  "--output-path", str(output), "--meta", "none", "--config", str(config)], cwd=tmp_path)
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_a_generated_python_client_does_the_sync_round_trip(python_client, live_server, alice):
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    accounts = importlib.import_module(f"{PACKAGE}.api.accounts")
    for name in ("accounts_bulk_upsert", "accounts_list", "accounts_retrieve", "accounts_partial_update",
                 "accounts_upsert_external", "accounts_create", "accounts_destroy"):
        importlib.import_module(f"{accounts.__name__}.{name}")
    changes_list = importlib.import_module(f"{api.__name__}.sync.changes_list")
    _, token = api_token_issue(user=alice, name="generated client")
    client = python_client.AuthenticatedClient(base_url=live_server.url, token=token)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    first_changes = changes_list.sync(client=client)
    assert isinstance(first_changes, models.ChangesPage)

    # Bulk upsert by external id, typed items, per-item results.
    bulk = accounts.accounts_bulk_upsert.sync(client=client, body=models.AccountBulkUpsertRequest(items=[
        models.AccountBulkItem(external_id="crm-1", name="Acme"),
        models.AccountBulkItem(external_id="crm-2", name="Globex"),
        models.AccountBulkItem(external_id="crm-3", name=""),
    ]))
    assert [r.result for r in bulk.results] == ["created", "created", "error"]
    assert "name" in bulk.results[2].errors.additional_properties

    # Incremental pull: updated_since, one record per page, following the cursor.
    pulled, cursor = [], None
    while True:
        page = accounts.accounts_list.sync(client=client, updated_since=started, page_size=1,
                                           **({"cursor": cursor} if cursor else {}))
        pulled += [account.external_id for account in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlparse(page.next_).query)["cursor"][0]
    assert pulled == ["crm-1", "crm-2"]

    # Optimistic concurrency: ETag in, If-Match out; a stale tag is refused with the Error model.
    acme_id = bulk.results[0].id
    read = accounts.accounts_retrieve.sync_detailed(acme_id, client=client)
    etag = read.headers["ETag"]
    renamed = accounts.accounts_partial_update.sync_detailed(
        acme_id, client=client, body=models.PatchedAccountRequest(name="Acme Corp"), if_match=etag)
    assert renamed.status_code == 200 and renamed.parsed.name == "Acme Corp"
    stale = accounts.accounts_partial_update.sync_detailed(
        acme_id, client=client, body=models.PatchedAccountRequest(name="Acme Ltd"), if_match=etag)
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Error) and stale.parsed.code == "precondition_failed"

    # Upsert by external id; a safe retry with an Idempotency-Key replays the first answer.
    upserted = accounts.accounts_upsert_external.sync_detailed(
        "crm-4", client=client, body=models.AccountUpsertRequest(name="Initech"))
    assert upserted.status_code == 201
    created = [accounts.accounts_create.sync_detailed(
        client=client, body=models.AccountRequest(name="Umbrella", external_id="crm-5"), idempotency_key="retry-1")
        for _ in range(2)]
    assert created[0].parsed.id == created[1].parsed.id
    assert created[1].headers["Idempotent-Replayed"] == "true"

    # Deletion shows in the changes feed as a tombstone.
    assert accounts.accounts_destroy.sync_detailed(acme_id, client=client).status_code == 204
    feed = changes_list.sync(client=client, since=first_changes.next_cursor)
    tombstones = [c for c in feed.results if c.action.value == "delete"]
    assert [(c.resource.value, c.id) for c in tombstones] == [("account", acme_id)]
