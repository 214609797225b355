"""Request body parsers: DRF's JSON parser with a nesting limit.

Python's json module recurses once per level, so a body nested ~1,000 deep raises
RecursionError (not ValueError, which DRF turns into a 400) and the request ended in a 500.
No request Jobraker accepts nests deeper than a few levels, so anything past MAX_JSON_DEPTH
is refused before a serializer, the event mapper or the error renderer walks it recursively."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep()) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(too_deep())
        return data


def too_deep() -> str:
    return f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."


def json_depth(value: Any) -> int:
    """The nesting depth of parsed JSON (a scalar is 0), walked without recursion."""
    deepest = 0
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth  # no need to walk the rest
            pending.extend((child, depth) for child in item)
    return deepest
