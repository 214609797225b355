"""Logs a person can read: one line per failed attempt of a message (actor, id, attempt,
reason), and admin pages that add no library warnings."""

from __future__ import annotations

import logging
import uuid
import warnings

import dramatiq
import pytest
from django.test import Client
from dramatiq import Worker

from jobraker.accounts.models import Account
from jobraker.sources.adzuna_client import AdzunaTransientError
from jobraker.workers.broker import new_broker

from ..api_helpers import PASSWORD
from ..conftest import unique_email


def structured(caplog: pytest.LogCaptureFixture, event: str) -> list[dict]:
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == event]


def test_each_failed_attempt_is_one_line_with_actor_id_attempt_and_reason(caplog):
    queue = f"test-retry-log-{uuid.uuid4().hex[:8]}"
    broker = new_broker()

    @dramatiq.actor(broker=broker, queue_name=queue, max_retries=2, min_backoff=10, max_backoff=20,
                    actor_name=f"always_fails_{queue.replace('-', '_')}")
    def always_fails() -> None:
        raise AdzunaTransientError("Adzuna answered 503")

    worker = Worker(broker, worker_threads=1, worker_timeout=50, queues={queue})
    worker.start()
    caplog.set_level(logging.INFO)
    try:
        message = always_fails.send()
        broker.join(queue, timeout=30_000)
    finally:
        worker.stop()
        broker.flush(queue)
        broker.client.delete(f"{broker.namespace}:{queue}.XQ", f"{broker.namespace}:{queue}.XQ.msgs")

    retries = structured(caplog, "dramatiq_retry")
    dead = structured(caplog, "dramatiq_dead_lettered")
    assert [r["attempt"] for r in retries] == [1, 2] and [d["attempt"] for d in dead] == [3]
    for line in retries + dead:
        assert line["actor"] == always_fails.actor_name and line["message_id"] == message.message_id
        assert line["reason"] == "AdzunaTransientError: Adzuna answered 503"
        assert line["queue"] == queue
    ours = [r for r in caplog.records if r.name.startswith("dramatiq") and r.levelno >= logging.INFO
            and str(r.msg).startswith(("Failed to process", "Retrying message", "Retries exceeded"))]
    assert ours == []  # Dramatiq's reason-less lines (and their tracebacks) are gone
    assert not any(r.exc_info for r in caplog.records)  # no traceback per attempt...
    assert [bool(line.get("exc_info")) for line in retries + dead] == [False, False, True]  # ...one at the dead letter


def test_a_database_error_is_named_by_type_only():
    from psycopg.errors import UniqueViolation

    from jobraker.workers.retry_log import reason

    assert reason(UniqueViolation("Key (email)=(ada@example.org) already exists")) == "UniqueViolation"
    assert reason(TimeoutError("read timed out")) == "TimeoutError: read timed out"


def test_admin_pages_add_no_library_warnings(caplog, live_projector):
    browser = Client()
    browser.force_login(Account.objects.create_superuser(unique_email("ops"), PASSWORD))  # sees every menu
    caplog.set_level(logging.INFO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in ("/admin/", "/admin/operations/", "/admin/projections/candidaterecord/"):
            assert browser.get(path).status_code == 200, path
    noisy = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []
    assert [str(w.message) for w in caught] == []
