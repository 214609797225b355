"""The projection-lag watchdog: past its threshold it logs critically and its report shows
which projections lag; staff read the report, nobody else."""

from __future__ import annotations

import logging
import time

from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.workers import scheduler
from jobraker.workers.watchdog import check_projection_lag

from ..api_helpers import operator, signed_in
from ..conftest import unique_email


def _critical(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.levelno == logging.CRITICAL and isinstance(r.msg, dict)]


def test_a_lagging_projection_is_logged_critically_and_reported_to_staff(jobraker, no_live_projector, projector, caplog):
    projector.catch_up()
    jobraker.register_candidate(unique_email("lag"), "Lag", "hash")  # no projection reads it: the projector is paused
    time.sleep(0.3)
    caplog.set_level(logging.INFO)
    report = check_projection_lag(max_seconds=0.2, max_events=1_000_000)
    assert "candidates" in report["lagging"]
    row = next(r for r in report["projections"] if r["name"] == "candidates")
    assert row["lag_events"] >= 1 and row["lag_seconds"] >= 0.2
    logged = [m for m in _critical(caplog) if m.get("event") == "projection_lagging"]
    assert any(m["projection"] == "candidates" and m["lag_events"] >= 1 for m in logged)

    body = operator(Role.STAFF).get("/api/v1/staff/projection-lag").json()
    assert "candidates" in body["lagging"] and body["max_seconds"] == 0.2

    projector.catch_up()
    caplog.clear()
    report = check_projection_lag(max_seconds=0.2, max_events=1_000_000)
    assert "candidates" not in report["lagging"]
    assert not any(m.get("projection") == "candidates" for m in _critical(caplog))


def test_the_scheduler_runs_the_watchdog_with_the_configured_thresholds(jobraker, no_live_projector, monkeypatch):
    from jobraker.config import get_settings

    jobraker.register_candidate(unique_email("lag2"), "Lag", "hash")
    monkeypatch.setattr(get_settings(), "projection_lag_alert_events", 0)
    assert (scheduler.WATCHDOG_SECONDS, scheduler.watch_projection_lag) in scheduler.JOBS
    scheduler.watch_projection_lag()
    body = operator(Role.STAFF).get("/api/v1/staff/projection-lag").json()
    assert body["max_events"] == 0 and "candidates" in body["lagging"]


def test_only_staff_read_the_lag_report(live_projector):
    assert APIClient().get("/api/v1/staff/projection-lag").status_code == 401
    candidate, _, _ = signed_in()
    assert candidate.get("/api/v1/staff/projection-lag").status_code == 403
    assert operator(Role.AUDITOR).get("/api/v1/staff/projection-lag").status_code == 403
