"""The OpenAPI schema documents the errors every operation can answer, as problem+json.

Errors are answered by one exception handler (api/problems.py) for every view, so they are
documented in one place too: a drf-spectacular post-processing hook adds a ``Problem``
component and, to each operation, the error statuses it can answer (reads and writes differ),
leaving any error response a view documents itself untouched.
"""

from __future__ import annotations

from typing import Any

from jobraker.api.problems import PROBLEM_CONTENT_TYPE

READ_ERRORS = {
    "400": "Bad request (a malformed parameter or header).",
    "401": "Not authenticated, or the token is invalid or expired.",
    "403": "Permission denied for this role.",
    "404": "Not found, or not yours.",
    "406": "None of the accepted media types can be served.",
    "429": "Too many requests.",
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "409": "Conflict (e.g. an illegal transition, or a concurrent change).",
    "412": "Precondition failed (the If-Match version is stale).",
    "413": "Content too large.",
    "415": "Unsupported media type.",
    "422": "The request is well-formed but the business rules refuse it.",
}
READ_METHODS = {"get", "head", "options"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error as RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "nullable": True},
        "errors": {
            "type": "array",
            "description": "Per-field messages of a validation failure.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}},
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = READ_ERRORS if method in READ_METHODS else WRITE_ERRORS
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, "content": problem})
    return result
