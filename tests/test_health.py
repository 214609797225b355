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
