"""Read models written as the API's JSON, for pages built without DRF's per-field machinery
(matches, pre-rendered by the worker or read from the rows; the applications list and timeline).

The output is what DRF would give: ``JobSerializer`` for a listing (which stays the OpenAPI
description; ``tests/api/test_read_queries.py`` compares the two), ``DateTimeField`` for a time,
``JSONRenderer`` with Jobraker's settings (compact, unicode, strict) for the text."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from django.utils import timezone

from jobraker.projections.models import JobRecord

# A listing's columns the API does not show: the search vector, the log position, a private
# listing's owner, and matching's place keys.
HIDDEN_JOB_FIELDS = ("search", "position", "owner_id", "places")
_JOB_FIELDS = [f.attname for f in JobRecord._meta.concrete_fields if f.name not in HIDDEN_JOB_FIELDS]


def when(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, "Z" for UTC.
    ``zone``: the current time zone, when the caller already has it (looking it up costs)."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return when(value)
    return value


def job_json(job: JobRecord) -> dict[str, Any]:
    return {name: _plain(getattr(job, name)) for name in _JOB_FIELDS}


def match_json(job: JobRecord, score: int, explanation: Any) -> dict[str, Any]:
    """One match as the API shows it: ranked for the request, read from the rows, or pre-rendered."""
    return {"job": job_json(job), "score": score, "explanation": explanation}


def render_json(value: Any) -> str:
    """The text DRF's JSONRenderer writes for plain JSON values."""
    return javascript_safe(json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")))


def javascript_safe(text: str) -> str:
    """Compact JSON text as DRF's JSONRenderer finishes it: escaping the two line separators
    JavaScript does not allow in strings."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_with_list(fields: dict[str, Any], name: str, rendered: list[str]) -> str:
    """``fields`` and then ``name``, a list whose items are already rendered: the text
    ``render_json`` writes for the whole dict, without parsing or rendering the items again."""
    head = render_json(fields)[:-1]
    return f'{head}{"," if fields else ""}"{name}":[{",".join(rendered)}]}}'
