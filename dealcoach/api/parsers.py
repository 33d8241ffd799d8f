"""The API's JSON parser: bad input is a 400, never a crash.

- Nesting deeper than MAX_DEPTH is refused before `json.loads` sees it (a body
  nested 1,000 deep raised RecursionError, a 500).
NUL characters in values are refused per field (DRF's CharField, sync.fieldspecs
text), naming the field; in the URL by dealcoach.api.middleware."""

from __future__ import annotations

import json
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of objects and arrays in `text`, ignoring brackets inside
    strings. No recursion; the regular expressions do the character-level work."""
    depth = deepest = 0
    for bracket in BRACKET.findall(STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from None
        if json_depth(text) > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
