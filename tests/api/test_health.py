"""Health endpoints: liveness, and readiness over the database, Redis and projection lag."""

from __future__ import annotations

import redis
from django.test import Client

from jobraker.api import health


def test_live_answers_without_dependencies():
    response = Client().get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_everything_is_reachable_and_caught_up(projector):
    projector.catch_up()
    response = Client().get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "projections": "ok"}
    assert body["projection_lag"] == 0


def test_not_ready_when_redis_is_unreachable(monkeypatch, projector):
    projector.catch_up()
    monkeypatch.setattr(health, "redis_client", lambda: redis.Redis.from_url("unix:///nonexistent/redis.sock"))
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_not_ready_when_projections_lag(monkeypatch, jobraker):
    monkeypatch.setattr(health, "MAX_READY_LAG", -1)
    response = Client().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["projections"].startswith("candidates: lag")  # names the projection
    assert body["projection_problems"]["candidates"].startswith("lag")


def test_unknown_path_is_problem_json():
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_not_ready_while_a_projection_is_stalled_behind_the_log(monkeypatch, jobraker, projector, no_live_projector):
    """A few events behind but not moving (a projector stuck loading a model, or not running)."""
    import time

    from jobraker.config import get_settings

    from ..conftest import unique_email

    projector.catch_up()
    jobraker.register_candidate(unique_email("stalled"), "Stalled", "h")  # nobody projects it
    time.sleep(0.3)
    monkeypatch.setattr(get_settings(), "projection_ready_lag_seconds", 0.2)
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["projection_problems"]["candidates"].endswith("s (not advancing)")

    projector.catch_up()
    assert Client().get("/health/ready").status_code == 200
