"""The OpenAPI schema as client generators read it (drf-spectacular
postprocessing hook, run last).

- One `Error` component, referenced by every 4xx/5xx response, always as
  `application/json` (also on the CSV and iCalendar exports): clients get one
  error model, not one per operation.
- A raw schema carrying `x-component-name` (request bodies written from field
  specs, bulk items) becomes that named component and a `$ref`.
- Response headers are named components, referenced where they are sent:
  `X-Request-ID` on every response; `RateLimit-*` on every response of a
  throttled (authenticated) operation; `Retry-After` on 429; `ETag` where the
  record's version is returned; `Idempotent-Replayed` on POST successes.
- Components nothing references any more (the per-app error serializers that
  `Error` replaced) are dropped."""

from __future__ import annotations

from typing import Any

from .errors import ERROR_CODES, code_for_status

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {
            "type": "string",
            "description": (
                "What went wrong, for programs: stable, one per kind of error. "
                + ", ".join(f"`{code}` ({status})" for status, code in sorted(ERROR_CODES.items()))
                + "; also `authentication_failed` (401), `parse_error` (400), `idempotency_key_reused` (422), "
                "`idempotency_key_in_progress` (409), `external_id_taken` and `external_id_deleted` (409). New codes may be added: treat an unknown one by its "
                "HTTP status."
            ),
            "example": "invalid",
        },
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Invalid input only: each field name with its reasons (`non_field_errors` for the whole).",
        },
    },
}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id (yours, if you sent a sane X-Request-ID): quote it to support.",
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {"description": "Requests allowed per window.", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in the current window.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the window ends.", "schema": {"type": "integer"}},
    "RateLimit-Policy": {"description": 'The limit and window, e.g. `100;w=10`.', "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "ETag": {
        "description": 'Version tag of the record, e.g. `W/"42-1767225600000000"`. Send it back as If-Match.',
        "schema": {"type": "string"},
    },
}
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _header_ref(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def _operations(result):
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS and isinstance(operation, dict):
                yield path, method, operation


def _hoist_named(node: Any, schemas: dict) -> Any:
    """Replace every dict with `x-component-name` by a $ref to a component of that name."""
    if isinstance(node, list):
        return [_hoist_named(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _hoist_named(value, schemas) for key, value in node.items()}
    name = node.pop("x-component-name", None)
    if name is None:
        return node
    schemas[name] = node
    return {"$ref": f"#/components/schemas/{name}"}


def _named_enums(schemas: dict) -> dict[tuple, str]:
    return {
        tuple(schema["enum"]): name for name, schema in schemas.items()
        if "enum" in schema and set(schema) <= {"type", "enum", "description"}
    }


def _reuse_enums(node: Any, enums: dict[tuple, str]) -> Any:
    """An inline enum with the very values of a named one becomes a reference
    to it: one `CurrencyEnum` in clients, not one per request body."""
    if isinstance(node, list):
        return [_reuse_enums(item, enums) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _reuse_enums(value, enums) for key, value in node.items()}
    name = enums.get(tuple(node["enum"])) if isinstance(node.get("enum"), list) else None
    if name is None:
        return node
    rest = {key: value for key, value in node.items() if key not in ("type", "enum")}
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"allOf": [ref], **rest} if rest else ref


def _public(operation: dict) -> bool:
    return {} in operation.get("security", [{"auth": []}])


def _document_errors(operation: dict) -> None:
    for code, response in operation.get("responses", {}).items():
        if int(code) < 400:
            continue
        examples = {}
        for media in (response.get("content") or {}).values():
            examples.update(media.get("examples", {}))
        for example in examples.values():
            if isinstance(example.get("value"), dict):
                example["value"].setdefault("code", code_for_status(int(code)))
        media = {"schema": ERROR_REF}
        if examples:
            media["examples"] = examples
        response["content"] = {"application/json": media}
        response.setdefault("description", "")


def _document_headers(method: str, operation: dict) -> None:
    throttled = not _public(operation)
    for code, response in operation.get("responses", {}).items():
        headers = response.setdefault("headers", {})
        for name in list(headers):
            if name in HEADERS:
                headers[name] = _header_ref(name)
        headers["X-Request-ID"] = _header_ref("X-Request-ID")
        if throttled:
            for name in RATE_LIMIT_HEADERS:
                headers[name] = _header_ref(name)
        if code == "429":
            headers["Retry-After"] = _header_ref("Retry-After")
        if method == "post" and code.startswith("2"):
            headers["Idempotent-Replayed"] = _header_ref("Idempotent-Replayed")


def _member_types(members: list, schemas: dict) -> set[str]:
    types = set()
    for member in members:
        target = schemas.get(member.get("$ref", "").rsplit("/", 1)[-1], member)
        if target.get("enum") == [None]:
            continue  # drf-spectacular's NullEnum: the `nullable` itself
        types.add(target.get("type", "object"))
    return types


def _tidy_schema(node: Any, schemas: dict) -> None:
    """What validators and linters object to in drf-spectacular's output:
    `nullable` next to `allOf` / `oneOf` without a `type` (OpenAPI 3.0 wants
    one: the members' own), and DRF's pagination `uri` examples that are not
    URIs (a stray quote)."""
    if isinstance(node, dict):
        members = node.get("allOf") or node.get("oneOf") or node.get("anyOf")
        if node.get("nullable") and members and "type" not in node:
            types = _member_types(members, schemas)
            if len(types) == 1:
                node["type"] = types.pop()
        if node.get("format") == "uri" and isinstance(node.get("example"), str):
            node["example"] = node["example"].replace('"', "")
        for value in node.values():
            _tidy_schema(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _tidy_schema(value, schemas)


def _require_body(operation: dict) -> None:
    """The API refuses a write without a JSON body: say so, so clients make it a required argument."""
    if "requestBody" in operation:
        operation["requestBody"]["required"] = True


def _summarise(operation: dict) -> None:
    if not operation.get("summary"):
        operation["summary"] = operation["operationId"].replace("_", " ").capitalize()


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _drop_unreferenced(result: dict) -> None:
    schemas = result["components"]["schemas"]
    while True:
        found: set[str] = set()
        _refs(result.get("paths", {}), found)
        _refs(schemas, found)
        unused = set(schemas) - found
        if not unused:
            return
        for name in unused:
            del schemas[name]


def polish_for_clients(result, generator, request, public):
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    result["paths"] = _hoist_named(result.get("paths", {}), schemas)
    enums = _named_enums(schemas)
    result["paths"] = _reuse_enums(result["paths"], enums)
    for name, schema in list(schemas.items()):
        if name not in enums.values():
            schemas[name] = _reuse_enums(schema, enums)
    schemas["Error"] = ERROR_SCHEMA
    components["headers"] = {**components.get("headers", {}), **HEADERS}
    for _, method, operation in _operations(result):
        _document_errors(operation)
        _document_headers(method, operation)
        _summarise(operation)
        _require_body(operation)
    _drop_unreferenced(result)
    _tidy_schema(result, result["components"]["schemas"])
    components["schemas"] = dict(sorted(schemas.items()))
    return result
