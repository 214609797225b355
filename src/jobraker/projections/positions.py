"""Projection positions: read-your-writes waits and lag for health checks."""

from __future__ import annotations

import time

from django.db.models import Min

from jobraker.projections.models import ProjectionPosition

MAX_WAIT_SECONDS = 2.0


def slowest_position(names: list[str]) -> int:
    positions = ProjectionPosition.objects.filter(name__in=names)
    if positions.count() < len(names):
        return 0
    return positions.aggregate(low=Min("position"))["low"] or 0


def wait_for(position: int, names: list[str], timeout: float = MAX_WAIT_SECONDS) -> bool:
    """Wait (bounded) until every named projection has read up to ``position``."""
    deadline = time.monotonic() + min(timeout, MAX_WAIT_SECONDS)
    delay = 0.005
    while slowest_position(names) < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return True
