"""The OpenAPI schema builds, validates, and has no generator warnings or
errors. Several engineers add endpoints: failures are listed per source file
and view so each owner can find theirs."""

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
