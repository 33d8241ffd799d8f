"""The OpenAPI schema builds, validates, and has no generator warnings or
errors. Several engineers add endpoints: failures are listed per source file
and view so each owner can find theirs."""

import re
from collections import defaultdict

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ERROR_CODES_BY_METHOD = {"put": {"400", "404"}, "patch": {"400", "404"}, "delete": {"404"}}


def build_schema():
    GENERATOR_STATS.reset()
    GENERATOR_STATS.silent = True
    try:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        problems = {**{m: "warning" for m in GENERATOR_STATS._warn_cache},
                    **{m: "error" for m in GENERATOR_STATS._error_cache}}
    finally:
        GENERATOR_STATS.silent = False
        GENERATOR_STATS.reset()
    return schema, problems


def test_it_builds_a_valid_schema_without_warnings():
    schema, problems = build_schema()
    validate_schema(schema)
    by_source = defaultdict(list)
    for message, severity in problems.items():
        source = message.split(": ", 1)[0] if ": " in message else "(unknown source)"
        by_source[source].append(f"{severity}: {message}")
    report = "\n".join(f"{source}:\n  " + "\n  ".join(lines) for source, lines in sorted(by_source.items()))
    assert not problems, f"drf-spectacular reported problems, by source:\n{report}"


def test_every_operation_documents_auth_and_its_errors():
    schema, _ = build_schema()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = set(operation["responses"])
            needed = {"401"} | ERROR_CODES_BY_METHOD.get(method, set())
            if "{" in path and method == "get":
                needed |= {"404"}
            if operation.get("requestBody") or method == "post":
                needed |= {"400"}
            if not needed <= codes:
                missing.append(f"{method.upper()} {path}: lacks {sorted(needed - codes)}")
    assert not missing, "Operations that do not document their errors:\n" + "\n".join(missing)


def test_it_names_the_documented_json_fields():
    schema, _ = build_schema()
    components = schema["components"]["schemas"]
    assert set(components["Opportunity"]["properties"]) >= {"stage", "amount", "roles", "propensity"}
    assert components["Opportunity"]["properties"]["amount"]["type"] == "string"
    for path in ("/api/v1/opportunities/external/{external_id}/", "/api/v1/opportunities/bulk-upsert/"):
        assert path in schema["paths"]


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


CRUD_ACTIONS = {"partial_update": "patch", "update": "put", "list": "get", "retrieve": "get", "create": "post",
                "destroy": "delete"}
DEAL_PREFIX = "/api/v1/opportunities/{opportunity_id}/"


def crud_action(operation_id: str) -> str | None:
    return next((action for action in CRUD_ACTIONS if operation_id.endswith(f"_{action}")), None)


def test_every_operation_id_is_resource_then_action():
    """The convention of docs/sync.md ("The schema and generated clients")."""
    schema, _ = build_schema()
    wrong = []
    for path, method, operation in operations(schema):
        operation_id, created = operation["operationId"], "201" in operation["responses"]
        action = crud_action(operation_id)
        if action and CRUD_ACTIONS[action] != method:
            wrong.append(f"{method.upper()} {path}: {operation_id} names a {CRUD_ACTIONS[action].upper()} action")
        if (action == "create") != (method == "post" and created):
            wrong.append(f"{method.upper()} {path}: {operation_id}: `_create` is exactly a POST answering 201")
        if method in ("patch", "delete", "get") and action is None and "_export_" not in operation_id:
            wrong.append(f"{method.upper()} {path}: {operation_id} lacks its `_{method}` action name")
        if path.startswith(DEAL_PREFIX) and operation_id.startswith("opportunit"):
            wrong.append(f"{method.upper()} {path}: {operation_id}: a deal's part is named without the deal")
    assert not wrong, "operationIds off the convention:\n" + "\n".join(wrong)


def sibling_shape(method: str, path: str) -> tuple[str, str]:
    """The same action on another resource: `/api/v1/accounts/{id}/` and `/api/v1/stakeholders/{id}/`."""
    return method, re.sub(r"^/api/v1/[^/]+/", "/api/v1/*/", path)


def test_every_operation_has_a_summary_and_a_description_of_its_own():
    schema, _ = build_schema()
    problems, by_description = [], defaultdict(list)
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        generated = operation["operationId"].replace("_", " ").capitalize()  # the schema hook's stand-in
        if not operation.get("summary", "").strip() or operation["summary"] == generated:
            problems.append(f"{where}: no summary of its own")
        description = operation.get("description", "").strip()
        if not description:
            problems.append(f"{where}: no description")
        else:
            by_description[description].append((where, sibling_shape(method, path)))
    for description, users in by_description.items():
        if len({shape for _, shape in users}) > 1:
            problems.append(f"one description for different actions {[where for where, _ in users]}: {description[:80]}")
    assert not problems, "\n".join(problems)
