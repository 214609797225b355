"""Listings as JSON, built straight from the rows: the output of ``JobSerializer`` (which stays as
the OpenAPI description; ``tests/api/test_read_queries.py`` compares the two) without DRF's per-field
machinery for each of a matches page's jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from jobraker.api.application_rows import when
from jobraker.api.serializers import JobSerializer
from jobraker.projections.models import JobRecord

_FIELDS = [f.attname for f in JobRecord._meta.concrete_fields if f.name not in JobSerializer.Meta.exclude]


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return when(value)
    return value


def job_json(job: JobRecord) -> dict[str, Any]:
    return {name: _plain(getattr(job, name)) for name in _FIELDS}
