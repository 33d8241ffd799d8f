"""The API's JSON parser: bad input is a 400, never a crash.

- Nesting deeper than MAX_DEPTH is refused (a body nested 1,000 deep raised
  RecursionError, a 500). A body that parses is measured on the parsed value;
  one that does not (RecursionError included) on its text, before its parse
  error is reported — the text scan costs ~7 ms on a 1,000-item bulk body.
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


def nested_deeper_than(value, limit: int) -> bool:
    """Whether parsed JSON nests objects and arrays more than `limit` deep (what
    `json_depth` counts in its text). No recursion."""
    containers = (dict, list)
    pending = [(value, 1)] if isinstance(value, containers) else []
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, containers):
                pending.append((child, depth + 1))
    return False


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from None
        too_deep = ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        try:
            parsed = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            if json_depth(text) > MAX_DEPTH:
                raise too_deep from None
            raise ParseError(f"JSON parse error - {error}") from None
        if nested_deeper_than(parsed, MAX_DEPTH):
            raise too_deep
        return parsed


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
