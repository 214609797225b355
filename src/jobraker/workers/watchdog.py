"""The projection-lag watchdog: the scheduler checks how far every projection (and the relay,
which sends notifications and e-mails) trails the event log. Past a threshold it logs
critically, for alerting on logs, and it keeps its last report in Redis for staff to read
(``GET /api/v1/staff/projection-lag``)."""

from __future__ import annotations

import json
import time
from typing import Any

import structlog

log = structlog.get_logger(__name__)

REPORT_KEY = "jobraker:watchdog:projection-lag"
REPORT_TTL_SECONDS = 3600


def check_projection_lag(max_seconds: float, max_events: int) -> dict[str, Any]:
    """Measure every projection's lag, log the ones past either threshold, store the report."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.registry import all_projections
    from jobraker.workers.relay import relay_projections

    rows = ProjectionRunner(get_jobraker(), [*all_projections(), *relay_projections()]).status()
    lagging = [r for r in rows if r["lag_seconds"] > max_seconds or r["lag_events"] > max_events]
    for row in lagging:
        log.critical(
            "projection_lagging", projection=row["name"], lag_events=row["lag_events"],
            lag_seconds=round(row["lag_seconds"], 1), max_seconds=max_seconds, max_events=max_events,
        )
    report = {
        "checked_at": time.time(), "max_seconds": max_seconds, "max_events": max_events,
        "lagging": [r["name"] for r in lagging], "projections": rows,
    }
    _store(report)
    return report


def last_report() -> dict[str, Any] | None:
    from jobraker.components import redis_client

    raw = redis_client().get(REPORT_KEY)
    return json.loads(raw) if raw else None


def _store(report: dict[str, Any]) -> None:
    from jobraker.components import redis_client

    redis_client().set(REPORT_KEY, json.dumps(report), ex=REPORT_TTL_SECONDS)
