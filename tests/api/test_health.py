"""Health endpoints: liveness, and readiness over the database, Redis and projection lag."""

from __future__ import annotations

import threading
import time

import redis
from django.test import Client

from jobraker.api import health


def test_live_answers_without_dependencies():
    response = Client().get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def model_loaded() -> None:
    from jobraker.embeddings.readiness import LOADED, warm_up

    warm_up.start()
    deadline = time.monotonic() + 60
    while warm_up.state != LOADED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warm_up.state == LOADED


def test_ready_when_everything_is_reachable_and_caught_up(projector):
    projector.catch_up()
    model_loaded()
    response = Client().get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "embeddings": "ok", "projections": "ok"}
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
    model_loaded()
    assert Client().get("/health/ready").status_code == 200


def test_not_ready_while_the_embedding_model_loads_and_ready_once_it_has(projector):
    """The first probe starts loading the model; until it has loaded, 503 says so."""
    from jobraker.embeddings.readiness import LOADED, ModelWarmUp, _load_model

    projector.catch_up()
    release = threading.Event()

    def slow_load() -> None:  # the real load, held back until the test has looked
        release.wait(30)
        _load_model()

    loading = ModelWarmUp(slow_load)
    original, health.warm_up = health.warm_up, loading
    try:
        response = Client().get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["embeddings"] == "loading model"
        release.set()
        deadline = time.monotonic() + 60
        while loading.state != LOADED and time.monotonic() < deadline:
            time.sleep(0.05)
        response = Client().get("/health/ready")
        assert response.status_code == 200, response.json()
        assert response.json()["checks"]["embeddings"] == "ok"
    finally:
        health.warm_up = original


def test_not_ready_when_redis_answers_ping_but_refuses_writes(projector):
    """A Redis that answers PING yet refuses writes (here: a replica, read-only) is not ready."""
    from jobraker.components import redis_client

    projector.catch_up()
    model_loaded()
    client = redis_client()
    client.replicaof("127.0.0.1", 9)  # nothing listens there: it stays a read-only replica
    try:
        assert client.ping()
        response = Client().get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"].startswith("error: ReadOnlyError")
    finally:
        client.replicaof("NO", "ONE")
    assert Client().get("/health/ready").status_code == 200
