"""Liveness and readiness: database, Redis and projection lag."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from jobraker.eventstore.app import get_jobraker
from jobraker.projections.registry import all_projections
from jobraker.projections.positions import slowest_position
from jobraker.workers.broker import redis_client

# Readiness fails when a projection is this many events behind the log.
MAX_READY_LAG = 10_000


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis()}
    lag = _projection_lag() if checks["database"] == "ok" else None
    checks["projections"] = "ok" if lag is not None and lag <= MAX_READY_LAG else f"lag {lag}"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks, "projection_lag": lag}
    return JsonResponse(body, status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a health check reports, it does not raise
        return f"error: {type(exc).__name__}"


def _check_redis() -> str:
    try:
        redis_client().ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _projection_lag() -> int | None:
    try:
        head = get_jobraker().recorder.max_notification_id() or 0
    except Exception:
        return None
    return max(0, head - slowest_position([p.name for p in all_projections()]))
