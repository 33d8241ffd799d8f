"""Plain input specs: one object per field that both parses a JSON value and
describes it in OpenAPI, so the API documents exactly what it enforces.

The bulk upsert validates thousands of items per request, so parsing is a few
plain function calls per field, not a serializer instance per item. The rule
for the schema: it may be looser than the parser (a reference that must exist
and be visible cannot be expressed in OpenAPI), never stricter."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_datetime

from dealcoach.dates import HORIZON_END, HORIZON_START, horizon_error, utc_offset_error

MAX_BIGINT = 2**63 - 1


class Invalid(Exception):
    """A value refused, with the reason (or, for nested objects, a dict of reasons)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Spec:
    required: bool = False
    nullable: bool = False
    help: str = ""

    def parse(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise Invalid("This field may not be null.")
        return self.parse_value(value)

    def parse_value(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def openapi(self) -> dict:
        schema = self.type_schema()
        if self.nullable:
            schema["nullable"] = True
        if self.help:
            schema["description"] = self.help
        return schema

    def type_schema(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


def check_text(value: str) -> str:
    """Strings PostgreSQL can store: no NUL characters, no lone surrogates."""
    if "\x00" in value:
        raise Invalid("Null characters are not allowed.")
    if value.isascii():  # most text; answered from the string's header, no encoding needed
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("Not valid Unicode text.") from None
    return value


@dataclass(frozen=True)
class Text(Spec):
    max_length: int | None = None
    blank: bool = True
    choices: tuple[str, ...] | None = None
    email: bool = False
    strip: bool = True
    # The choices as a set, for the check: a currency is one of ~160 codes, on every item of a batch.
    _choice_set: frozenset[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        if self.choices is not None:
            object.__setattr__(self, "_choice_set", frozenset(self.choices))

    def parse_value(self, value):
        if not isinstance(value, str):
            raise Invalid("Must be a string.")
        check_text(value)
        if self._choice_set is not None:
            if value not in self._choice_set:
                raise Invalid(f"'{value[:50]}' is not one of: {', '.join(c for c in self.choices if c) or '(empty)'}.")
            return value
        if self.strip:
            value = value.strip()
        if not value and not self.blank:
            raise Invalid("This field may not be blank.")
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(f"At most {self.max_length} characters.")
        if self.email and value:
            try:
                validate_email(value)
            except ValidationError:
                raise Invalid("Enter a valid email address.") from None
        return value

    def type_schema(self):
        schema: dict[str, Any] = {"type": "string"}
        if self.choices is not None:
            schema["enum"] = list(self.choices)
            return schema
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


@dataclass(frozen=True)
class Integer(Spec):
    minimum: int | None = None
    maximum: int | None = MAX_BIGINT

    def parse_value(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid("Must be an integer.")
        if isinstance(value, float):
            if not value.is_integer():
                raise Invalid("Must be an integer.")
            value = int(value)
        if self.minimum is not None and value < self.minimum:
            raise Invalid(f"Must be at least {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise Invalid(f"Must be at most {self.maximum}.")
        return value

    def type_schema(self):
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


def Reference(**kwargs) -> Integer:  # noqa: N802 - reads as a type in spec tables
    """An id of another object; whether it exists and is visible is checked by the caller."""
    return Integer(minimum=1, **kwargs)


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@functools.cache
def _quantum(decimal_places: int) -> Decimal:
    return Decimal(1).scaleb(-decimal_places)


@dataclass(frozen=True)
class DecimalString(Spec):
    whole_digits: int = 12
    decimal_places: int = 2

    @property
    def pattern(self) -> str:
        return rf"^\d{{1,{self.whole_digits}}}(\.\d{{1,{self.decimal_places}}})?$"

    def parse_value(self, value):
        if not isinstance(value, str) or not _compiled(self.pattern).fullmatch(value):
            raise Invalid(
                f"Send a non-negative decimal string with at most {self.whole_digits} digits before "
                f"and {self.decimal_places} after the point, e.g. \"1250.00\"."
            )
        try:
            return Decimal(value).quantize(_quantum(self.decimal_places))
        except InvalidOperation:  # pragma: no cover - the pattern already guards this
            raise Invalid("Not a decimal number.") from None

    def type_schema(self):
        return {"type": "string", "format": "decimal", "pattern": self.pattern}


@dataclass(frozen=True)
class Date(Spec):
    def parse_value(self, value):
        if not isinstance(value, str) or not _compiled(r"\d{4}-\d{2}-\d{2}").fullmatch(value):
            raise Invalid("Send a date as YYYY-MM-DD.")
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise Invalid("Not a real date.") from None
        if reason := horizon_error(parsed):
            raise Invalid(reason)
        return parsed

    def type_schema(self):
        return {"type": "string", "format": "date",
                "description": f"YYYY-MM-DD, from {HORIZON_START} to {HORIZON_END}."}


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 / RFC 3339 timestamp with its UTC offset."""
    if not isinstance(value, str) or "\x00" in value:
        raise Invalid("Send an ISO 8601 timestamp with a UTC offset, e.g. 2026-03-01T09:30:00Z.")
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid("Send an ISO 8601 timestamp with a UTC offset, e.g. 2026-03-01T09:30:00Z.")
    if parsed.tzinfo is None:
        raise Invalid("Include the UTC offset (e.g. Z or +01:00).")
    if reason := utc_offset_error(parsed):
        raise Invalid(reason)
    if parsed.year < 1900:
        raise Invalid("Timestamps before 1900 are not accepted.")
    return parsed


@dataclass(frozen=True)
class Timestamp(Spec):
    def parse_value(self, value):
        return parse_timestamp(value)

    def type_schema(self):
        return {"type": "string", "format": "date-time"}


@dataclass(frozen=True)
class Boolean(Spec):
    def parse_value(self, value):
        if not isinstance(value, bool):
            raise Invalid("Must be true or false.")
        return value

    def type_schema(self):
        return {"type": "boolean"}


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec = field(default_factory=lambda: Text())
    max_items: int = 1000

    def parse_value(self, value):
        if not isinstance(value, list):
            raise Invalid("Must be a list.")
        if len(value) > self.max_items:
            raise Invalid(f"At most {self.max_items} items.")
        parsed, errors = [], {}
        for index, element in enumerate(value):
            try:
                parsed.append(self.item.parse(element))
            except Invalid as error:
                errors[str(index)] = error.reason
        if errors:
            raise Invalid(flatten_item_errors(errors))
        return parsed

    def type_schema(self):
        return {"type": "array", "items": self.item.openapi(), "maxItems": self.max_items}


def flatten_item_errors(errors: dict[str, Any]) -> list[str]:
    """Errors of list elements as readable strings: ["item 2: role: 'x' is not one of ..."]."""
    lines = []
    for index, reason in errors.items():
        if isinstance(reason, dict):
            for name, reasons in reason.items():
                for text in reasons if isinstance(reasons, list) else [reasons]:
                    lines.append(f"item {index}: {name}: {text}")
        else:
            lines.append(f"item {index}: {reason}")
    return lines


@dataclass(frozen=True)
class Object(Spec):
    fields: dict[str, Spec] = field(default_factory=dict)
    # The schema component this object is documented as (one model in generated clients).
    schema_name: str = ""

    def parse_value(self, value):
        if not isinstance(value, dict):
            raise Invalid("Must be an object.")
        data, errors = parse_fields(value, self.fields, partial=False)
        if errors:
            raise Invalid(errors)
        return data

    def type_schema(self):
        schema = object_schema(self.fields, partial=False)
        if self.schema_name:
            schema["x-component-name"] = self.schema_name
        return schema


def parse_fields(
    raw: dict[str, Any], specs: dict[str, Spec], *, partial: bool, read_only: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Parse a JSON object against `specs`: (values, errors by field). Unknown
    and read-only fields are refused by name; required fields are enforced
    unless `partial`."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            reason = "Read-only field." if name in read_only else "Unknown field."
            errors[name if isinstance(name, str) else repr(name)] = [reason]
            continue
        try:
            data[name] = spec.parse(value)
        except Invalid as error:
            reason = error.reason
            errors[name] = reason if isinstance(reason, list) else [reason] if isinstance(reason, str) else [
                f"{key}: {text}" for key, texts in reason.items() for text in texts
            ]
    if not partial:
        for name, spec in specs.items():
            if spec.required and name not in raw:
                errors[name] = ["This field is required."]
    return data, errors


def object_schema(specs: dict[str, Spec], *, partial: bool) -> dict:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: spec.openapi() for name, spec in specs.items()},
        "additionalProperties": False,
    }
    required = [name for name, spec in specs.items() if spec.required]
    if required and not partial:
        schema["required"] = required
    return schema
