"""Skyvern's answers handled as they mean (issue 14, item 7), through real sockets:
429 (with and without Retry-After) = nothing started, queued again; 403 = stop sending, alert,
keep the queue; 400 blocked host = refused for good; 5xx and a dropped connection = outcome
unknown, reviewed, never sent twice. And a run's reported outcome mapped to the next state."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from jobraker.appliers.halt import HALT_KEY, SkyvernHalt, halt_report
from jobraker.appliers.sandbox import Refusal, SandboxSkyvern, blocked_host, concurrency_limited, rate_limited
from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.appliers.submit import SubmitLater, submit
from jobraker.domain.application import Status

from .test_auto_apply import auto_applying_candidate
from .test_skyvern_sandbox import KEY, queued_for, url_with

PUBLIC_HOOK = "https://jobraker.example.org/api/v1/webhooks/skyvern"


@pytest.fixture
def redis():  # type: ignore[no-untyped-def]
    from jobraker.components import redis_client

    client = redis_client()
    client.delete(HALT_KEY)
    yield client
    client.delete(HALT_KEY)


@pytest.fixture
def strict():  # type: ignore[no-untyped-def]
    """The sandbox as the real Skyvern behaves: private hosts refused."""
    with SandboxSkyvern(KEY, delay=60) as running:
        yield running


def queued(jobraker, outcome: str = "confirmed"):  # type: ignore[no-untyped-def]
    return queued_for(jobraker, auto_applying_candidate(jobraker), url_with(outcome))


# ---------------------------------------------------------------------------
# 429: not started, queued again, Retry-After honoured


@pytest.mark.parametrize(("refusal", "delay"), [
    (rate_limited(), None),
    (rate_limited(retry_after="7"), 7.0),
    (concurrency_limited(retry_after="120"), 120.0),
])
def test_a_429_puts_the_application_back_in_the_queue_and_says_when_to_retry(jobraker, strict, refusal, delay):
    app_id = queued(jobraker)
    strict.refuse_next.append(refusal)
    applier = SkyvernApplier(strict.base_url, KEY)
    with pytest.raises(SubmitLater) as later:
        submit(jobraker, app_id, applier, PUBLIC_HOOK)
    assert later.value.delay == delay
    application = jobraker.get_application(app_id)
    assert application.status is Status.QUEUED and application.failure is None and application.run_id is None
    assert application.history[-2:] == [Status.SUBMITTING, Status.QUEUED]
    assert strict.runs == {}  # Skyvern started nothing
    # The retry goes out, once.
    assert submit(jobraker, app_id, applier, PUBLIC_HOOK).startswith("sent as tsk_")
    assert submit(jobraker, app_id, applier, PUBLIC_HOOK) == "nothing to do: the application is submitting"
    assert len(strict.runs) == 1


def test_retry_after_as_an_http_date_is_read_and_capped(jobraker, strict):
    app_id = queued(jobraker)
    strict.refuse_next.append(rate_limited(retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)))
    with pytest.raises(SubmitLater) as later:
        submit(jobraker, app_id, SkyvernApplier(strict.base_url, KEY), PUBLIC_HOOK)
    assert 80 <= later.value.delay <= 90
    strict.refuse_next.append(rate_limited(retry_after="99999"))
    with pytest.raises(SubmitLater) as capped:
        submit(jobraker, app_id, SkyvernApplier(strict.base_url, KEY), PUBLIC_HOOK)
    assert capped.value.delay == 3600.0


def test_the_worker_waits_as_long_as_skyvern_asks():
    from jobraker.workers.actors import _later_ms

    assert 7_000 <= _later_ms(7.0) <= 8_000
    assert 30_000 <= _later_ms(None) <= 35_000  # no Retry-After: the worker's own back-off


def test_a_released_submission_sends_no_second_message_nor_a_notification(jobraker):
    """The refused worker retries its own message after Retry-After; the relay must not add one."""
    from jobraker.workers.relay import QUIET_ACTIONS, Relay

    assert "release_submission" in QUIET_ACTIONS
    sent: list[str] = []

    class Spy:
        def send(self, *args):  # type: ignore[no-untyped-def]
            sent.append(args[0])

    import jobraker.workers.actors as actors

    app_id = queued(jobraker)
    application = jobraker.get_application(app_id)
    application.start_submission()
    application.release_submission("Skyvern is busy (429)")
    jobraker.save(application)
    released = jobraker.repository.get(app_id).version
    event = [e for e in (jobraker.mapper.to_domain_event(s) for s in jobraker.recorder.select_events(app_id))
             if e.originator_version == released][0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actors, "submit_application", Spy())
        patch.setattr(actors, "notify_application_change", Spy())
        Relay.process(Relay.__new__(Relay), event, 0)
    assert sent == []


# ---------------------------------------------------------------------------
# 403: stop sending, alert staff, keep the queue


def test_a_403_stops_all_sending_keeps_the_queue_and_alerts_staff(jobraker, strict, redis, caplog):
    from django.test import Client

    from ..api.test_admin import staff_browser

    first, second = queued(jobraker), queued(jobraker)
    strict.revoke_key()
    applier, halt = SkyvernApplier(strict.base_url, KEY), SkyvernHalt(redis, KEY)
    with pytest.raises(SubmitLater):
        submit(jobraker, first, applier, PUBLIC_HOOK, halt)
    assert jobraker.get_application(first).status is Status.QUEUED
    assert jobraker.get_application(first).failure is None
    assert [r.levelname for r in caplog.records if "skyvern_key_refused" in r.getMessage()] == ["CRITICAL"]
    assert KEY not in json.dumps(halt_report(redis))  # a fingerprint, never the key
    # Every worker now holds its applications without asking Skyvern (the sandbox would answer 403 again).
    strict.key_revoked = False
    with pytest.raises(SubmitLater) as held:
        submit(jobraker, second, applier, PUBLIC_HOOK, halt)
    assert held.value.delay == 600 and "held" in str(held.value)
    assert jobraker.get_application(second).status is Status.QUEUED and strict.runs == {}
    # A new key is not held by the old key's refusal.
    assert SkyvernHalt(redis, "sk-new-key").current() is None

    # The Operations page says so (staff only), and staff resume sending once the key works.
    assert Client().get("/admin/operations/").status_code == 302
    browser = staff_browser()
    assert "Skyvern refused the API key" in browser.get("/admin/operations/").content.decode()
    resumed = browser.post("/admin/operations/", {"lift_skyvern_halt": "1"}, follow=True)
    assert "Sending to Skyvern resumed" in resumed.content.decode()
    assert halt.current() is None
    assert submit(jobraker, second, applier, PUBLIC_HOOK, halt).startswith("sent as tsk_")


# ---------------------------------------------------------------------------
# 400, 5xx, a dropped connection


def test_a_blocked_host_is_refused_for_good(jobraker, strict):
    assert blocked_host("http://127.0.0.1:8000/hook") == "127.0.0.1"
    assert blocked_host("http://raker.local/hook") == "raker.local"
    assert blocked_host("http://[::ffff:10.0.0.1]/") is not None  # an IPv4-mapped private address
    assert blocked_host("https://jobs.example.org/1") is None
    app_id = queued(jobraker)
    outcome = submit(jobraker, app_id, SkyvernApplier(strict.base_url, KEY), "http://127.0.0.1:8000/api/v1/webhooks/skyvern")
    application = jobraker.get_application(app_id)
    assert outcome == "failed" and application.status is Status.FAILED
    assert "400" in application.failure[0] and "blocked: 127.0.0.1" in application.failure[0]
    assert application.failure[1] is False and strict.runs == {}


def test_a_5xx_leaves_the_outcome_unknown_and_never_sends_again(jobraker, strict):
    app_id = queued(jobraker)
    strict.refuse_next.append(Refusal(500, "Skyvern LLM failure to initialize task v2. Please try again later."))
    applier = SkyvernApplier(strict.base_url, KEY)
    assert submit(jobraker, app_id, applier, PUBLIC_HOOK) == "needs review"
    assert jobraker.get_application(app_id).status is Status.NEEDS_REVIEW
    assert submit(jobraker, app_id, applier, PUBLIC_HOOK).startswith("nothing to do")


def test_a_dropped_connection_leaves_the_outcome_unknown(jobraker):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received = []

    def drop() -> None:
        connection, _ = listener.accept()
        received.append(connection.recv(65536))  # the request arrived: Skyvern may have started it
        connection.close()

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    app_id = queued(jobraker)
    applier = SkyvernApplier(f"http://127.0.0.1:{listener.getsockname()[1]}", KEY)
    assert submit(jobraker, app_id, applier, PUBLIC_HOOK) == "needs review"
    thread.join(5)
    listener.close()
    assert received and jobraker.get_application(app_id).status is Status.NEEDS_REVIEW


def test_the_submit_actor_retries_after_retry_after_and_keeps_the_daily_cap(jobraker, strict, redis, monkeypatch):
    """The actor itself (as a worker runs it): Skyvern's 429 becomes dramatiq.Retry after its
    Retry-After; the application stays queued and the refused attempt does not use today's cap."""
    from datetime import date

    import dramatiq

    from jobraker.config import get_settings
    from jobraker.workers.actors import submit_application

    monkeypatch.setenv("SKYVERN_API_KEY", KEY)
    monkeypatch.setenv("SKYVERN_BASE_URL", strict.base_url)
    monkeypatch.setenv("JOBRAKER_PUBLIC_URL", "https://jobraker.example.org")
    get_settings.cache_clear()
    try:
        app_id = queued(jobraker)
        candidate_id = jobraker.get_application(app_id).candidate_id
        counter = f"jobraker:apply:daily:{candidate_id}:{date.today().isoformat()}"
        strict.refuse_next.append(rate_limited(retry_after="42"))
        with pytest.raises(dramatiq.Retry) as retry:
            submit_application.fn(str(app_id), "test")
        assert 42_000 <= retry.value.delay <= 43_000
        assert jobraker.get_application(app_id).status is Status.QUEUED
        assert int(redis.get(counter) or 0) == 0
        submit_application.fn(str(app_id), "test")
        assert jobraker.get_application(app_id).status is Status.SUBMITTING and len(strict.runs) == 1
        assert int(redis.get(counter)) == 1
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
