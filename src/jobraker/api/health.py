"""Liveness and readiness: database and Redis (each answering a real command), the embedding
model (loaded in this process), and projections (lag, failing or parked events)."""

from __future__ import annotations

import uuid

import structlog
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from jobraker.components import redis_client
from jobraker.config import get_settings
from jobraker.embeddings.readiness import warm_up
from jobraker.eventstore.app import get_jobraker
from jobraker.projections.base import ProjectionRunner
from jobraker.projections.registry import all_projections
from jobraker.workers.relay import relay_projections

log = structlog.get_logger(__name__)

REDIS_PROBE_KEY = "jobraker:health:probe"

# Readiness fails when a projection is this many events behind the log.
MAX_READY_LAG = 10_000


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis(), "embeddings": warm_up.check()}
    rows = _projection_rows() if checks["database"] == "ok" else None
    problems = _projection_problems(rows) if rows is not None else {}
    lag = max((row["lag_events"] for row in rows if not row.get("relay")), default=0) if rows is not None else None
    checks["projections"] = _summary(rows, problems)
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks, "projection_lag": lag,
            "projection_problems": problems, "vectors_pending": _vectors_pending() if rows is not None else None}
    return JsonResponse(body, status=200 if healthy else 503)


def _check_database() -> str:
    """Reads the event log's head: the server answers, and this is Jobraker's database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max(notification_id) FROM {get_jobraker().recorder.events_table_name}")  # type: ignore[attr-defined]
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # a health check reports, it does not raise
        return f"error: {type(exc).__name__}"


def _check_redis() -> str:
    """A write read back: a Redis that answers PING may still refuse writes (MISCONF, read-only)."""
    probe = uuid.uuid4().hex
    try:
        client, key = redis_client(), f"{REDIS_PROBE_KEY}:{probe}"  # one key per probe: probes run at once
        client.set(key, probe, px=10_000)
        read = client.get(key)
        client.delete(key)
        return "ok" if read == probe.encode() else "error: a value written was not read back"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _summary(rows: list[dict] | None, problems: dict[str, str]) -> str:
    if rows is None:
        return "error: positions unreadable"
    return "; ".join(f"{name}: {problem}" for name, problem in problems.items()) or "ok"


def _projection_rows() -> list[dict] | None:
    try:
        app = get_jobraker()
        relay = ProjectionRunner(app, relay_projections()).status()
        return ProjectionRunner(app, all_projections()).status() + [{**row, "relay": True} for row in relay]
    except Exception as exc:  # a health check reports, it does not raise
        log.warning("health_projections_unreadable", error=type(exc).__name__)
        return None


def _vectors_pending() -> dict | None:
    """Jobs and candidates waiting for the embedding worker (a count and the oldest's age):
    reported, not a readiness failure, since matching still answers (with older vectors)."""
    from jobraker.projections.embedder import vectors_pending

    try:
        return vectors_pending()
    except Exception as exc:  # a health check reports, it does not raise
        log.warning("health_vectors_pending_unreadable", error=type(exc).__name__)
        return None


def _projection_problems(rows: list[dict]) -> dict[str, str]:
    """Why each projection that keeps the API from telling the truth does so, by name: parked
    events, failing on an event now, or so far behind that reads are stale. (The relay's lag is
    the watchdog's: it runs in its own process, which a test or a split deployment may not start.)"""
    max_seconds = get_settings().projection_ready_lag_seconds
    problems = {}
    for row in rows:
        if row["parked"]:
            problems[row["name"]] = f"{row['parked']} parked event(s)"
        elif row["failing_at"] is not None:
            # The error itself is for staff (status, Operations page), not for anonymous probes.
            problems[row["name"]] = f"failing on event {row['failing_at']} ({row['attempts']} attempt(s))"
        elif row.get("relay"):
            continue
        elif row["lag_events"] > MAX_READY_LAG:
            problems[row["name"]] = f"lag {row['lag_events']} events"
        elif row["lag_seconds"] > max_seconds:
            problems[row["name"]] = f"lag {row['lag_seconds']:.0f} s (not advancing)"
    return problems
