"""Work resumes in seconds after a crash (issue 16, item 2): a killed worker's submission goes to
review once its lease lapses and its Skyvern slot comes back; a run whose webhook is missed is
asked about from its deadline on, backing off; a queued application nobody owns gets a new
message, and a message that finds another owning its application steps aside."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.appliers.submit import flag_stuck_submissions, submit
from jobraker.domain.application import Status

from ..conftest import relay_from_now
from ..fakes.skyvern_server import FakeSkyvern
from ..system.test_worker_kill_fault import WorkerProcess, worker_env
from .test_auto_apply import HOOK, queued_application

SUBMISSION_LEASE = 3.0
SLOT_LEASE = 2.0


@contextmanager
def settings_env(monkeypatch, **values: str):  # type: ignore[no-untyped-def]
    """This process reads the same durations as the worker it starts."""
    from jobraker.config import get_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        for name in values:
            monkeypatch.delenv(name)
        get_settings.cache_clear()


def wait_until(condition, timeout: float, step: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_worker_killed_mid_submission_goes_to_review_within_its_lease_and_frees_its_slot(
        jobraker, projector, monkeypatch, tmp_path: Path):
    from jobraker.workers import actors
    from jobraker.workers.broker import broker

    for queue in ("apply", "default"):
        broker().flush(queue)
    durations = {"JOBRAKER_SUBMISSION_LEASE_SECONDS": str(SUBMISSION_LEASE),
                 "JOBRAKER_SKYVERN_SLOT_LEASE_SECONDS": str(SLOT_LEASE)}
    with settings_env(monkeypatch, **durations), FakeSkyvern(delay=25) as skyvern:  # Skyvern never answers in time
        skyvern.server.handle_error = lambda *_: None  # the killed client drops its connection: expected
        slots = actors._skyvern_slots()
        slots.client.delete(slots.key)  # earlier tests' slots are not this test's
        relay = relay_from_now(jobraker)
        app_id = queued_application(jobraker)
        worker = WorkerProcess({**worker_env(skyvern), **durations}, tmp_path / "worker.log")
        try:
            relay.catch_up()  # the relay sends the submit message
            assert wait_until(lambda: skyvern.tasks, 30), (tmp_path / "worker.log").read_text()[-2000:]
            # Mid-submission, alive, for twice its leases: the renewed leases keep it and its slot.
            time.sleep(2 * SUBMISSION_LEASE)
            projector.catch_up()
            assert jobraker.get_application(app_id).status is Status.SUBMITTING
            assert app_id not in flag_stuck_submissions(jobraker)
            assert slots.holders() == 1
        finally:
            worker.kill()
        killed = time.monotonic()

        # As the scheduler's reconciler does, every reconcile period (here 0.2 s).
        flagged = wait_until(lambda: app_id in flag_stuck_submissions(jobraker), SUBMISSION_LEASE + 5, step=0.2)
        to_review = time.monotonic() - killed
        assert flagged
        assert to_review <= SUBMISSION_LEASE + 2, to_review
        assert wait_until(lambda: slots.holders() == 0, SLOT_LEASE + 2)
    forget_the_dead_worker(broker())
    application = jobraker.get_application(app_id)
    assert application.status is Status.NEEDS_REVIEW and application.run_id is None
    assert len(skyvern.tasks) == 1  # never sent again
    print(f"\nkilled mid-submission: needs review {to_review:.1f} s after the kill (lease {SUBMISSION_LEASE} s)")


def forget_the_dead_worker(the_broker) -> None:  # type: ignore[no-untyped-def]
    """The killed worker's message stays in its acknowledgement set until Dramatiq's maintenance
    requeues it; later tests' workers must not find it (the application is in review already)."""
    client = the_broker.client
    for key in client.scan_iter(f"{the_broker.namespace}:__acks__.*"):
        client.delete(key)
    client.delete(f"{the_broker.namespace}:__heartbeats__")
    the_broker.flush_all()


def test_a_missed_webhook_is_polled_from_its_deadline_and_backs_off(jobraker):
    from jobraker.appliers.models import SkyvernRunLink
    from jobraker.appliers.webhooks import poll_silent_runs
    from jobraker.config import get_settings

    deadline = timedelta(seconds=get_settings().skyvern_webhook_deadline_seconds)
    done, running = queued_application(jobraker), queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
        submit(jobraker, done, applier, HOOK)
        submit(jobraker, running, applier, HOOK)
        sent = timezone.now()
        ours = {skyvern.run_id(1), skyvern.run_id(2)}
        skyvern.statuses[skyvern.run_id(1)] = "completed"
        skyvern.outputs[skyvern.run_id(1)] = {"submitted": True, "confirmation": "Application received"}

        def asked(at):  # type: ignore[no-untyped-def]
            return {run: outcome for run, outcome in poll_silent_runs(jobraker, applier, now=at).items() if run in ours}

        assert asked(sent + deadline - timedelta(seconds=2)) == {}  # the webhook may still come
        at_deadline = sent + deadline + timedelta(seconds=1)
        assert asked(at_deadline) == {skyvern.run_id(1): "recorded", skyvern.run_id(2): "not terminal"}
        assert jobraker.get_application(done).status is Status.SUBMITTED
        # The unfinished run is asked again one deadline later, then two, ...; the settled one never.
        assert asked(at_deadline + deadline - timedelta(seconds=1)) == {}
        assert asked(at_deadline + deadline) == {skyvern.run_id(2): "not terminal"}
        assert asked(at_deadline + 2 * deadline) == {}
        link = SkyvernRunLink.objects.get(run_id=skyvern.run_id(2))
        assert link.polls == 2 and link.next_poll_at == at_deadline + 3 * deadline
        assert SkyvernRunLink.objects.get(run_id=skyvern.run_id(1)).next_poll_at is None
        skyvern.statuses[skyvern.run_id(2)] = "completed"
        skyvern.outputs[skyvern.run_id(2)] = {"submitted": True, "confirmation": "Application received"}
        assert asked(at_deadline + 3 * deadline) == {skyvern.run_id(2): "recorded"}
    assert jobraker.get_application(running).status is Status.SUBMITTED


@given(polls=st.integers(0, 200), deadline=st.floats(0.1, 3600), ceiling=st.floats(0.1, 86_400))
def test_the_poll_back_off_starts_at_the_deadline_grows_and_stays_under_its_ceiling(polls, deadline, ceiling):
    from jobraker.appliers.webhooks import next_poll_delay

    delay = next_poll_delay(polls, deadline, ceiling)
    assert delay <= ceiling
    assert next_poll_delay(polls + 1, deadline, ceiling) >= delay
    assert next_poll_delay(0, deadline, ceiling) == min(deadline, ceiling)


def test_one_message_owns_a_queued_application_until_its_promise_lapses():
    import uuid

    from jobraker.components import redis_client
    from jobraker.workers.pickup import Owners

    owners, app = Owners(redis_client(), grace_seconds=0.3), str(uuid.uuid4())
    assert owners.unowned([app]) == [app]
    assert owners.claim(app, "m1")
    assert not owners.claim(app, "m2")  # m2 steps aside while m1 owns it
    assert owners.claim(app, "m1", seconds=0.3)  # m1 is retried later: its promise is pushed back
    assert owners.unowned([app]) == []
    time.sleep(0.4)
    assert owners.unowned([app]) == [app]  # m1 vanished (a crash): the promise lapsed
    assert owners.claim(app, "m2")
    owners.release(app, "m1")  # not m1's any more: nothing happens
    assert owners.unowned([app]) == []
    owners.release(app, "m2")  # m2 is done: the next message need not wait for the promise
    assert owners.unowned([app]) == [app]


def relay_read_up_to(application_id) -> None:  # type: ignore[no-untyped-def]
    from jobraker.projections.models import ApplicationRecord, ProjectionPosition

    position = ApplicationRecord.objects.get(id=application_id).position
    ProjectionPosition.objects.update_or_create(name="relay", defaults={"position": position})


def test_an_unowned_queued_application_is_resent_once_and_a_stray_message_steps_aside(jobraker, projector):
    from jobraker.projections.models import ApplicationRecord
    from jobraker.workers.actors import submit_application
    from jobraker.workers.broker import broker
    from jobraker.workers.pickup import GIVEN, KEY, owners, resend_unattended

    the_broker = broker()
    the_broker.flush("apply")
    stale, waiting, fresh, unread = (queued_application(jobraker) for _ in range(4))
    projector.catch_up()
    relay_read_up_to(fresh)  # `unread` comes after what the relay has read: its message is still to come
    ApplicationRecord.objects.filter(id__in=[stale, waiting, unread]).update(updated_at=timezone.now() - timedelta(minutes=5))
    submit_application.send(str(waiting), "its own message, still in the queue")

    def messages_for(application_id) -> list[str]:  # type: ignore[no-untyped-def]
        """The Dramatiq message ids (not Redis's per-enqueue ids) of the messages for this application."""
        raw = the_broker.client.hvals(f"{the_broker.namespace}:apply.msgs")
        return [json.loads(body)["message_id"] for body in raw if str(application_id) in body.decode()]

    assert resend_unattended(timezone.now()) >= 1
    assert resend_unattended(timezone.now()) == 0  # each now has an owner or a message
    [resent] = messages_for(stale)
    assert the_broker.client.get(KEY.format(stale)).decode() == GIVEN + resent
    assert len(messages_for(waiting)) == 1  # only its own
    assert messages_for(fresh) == [] and messages_for(unread) == []
    # A resent message no worker has taken yet is a weak owner: any message reaching a worker
    # first takes over (and the resent one then steps aside).
    assert owners().claim(str(stale), "an-older-message-reaching-a-worker-first")
    assert not owners().claim(str(stale), resent)
    the_broker.flush("apply")  # earlier tests' queued applications got messages too: not for later tests


def test_the_scheduler_reconciles_at_the_configured_period():
    from jobraker.workers import scheduler

    for job in (scheduler.flag_stuck_submissions, scheduler.poll_silent_runs, scheduler.resend_queued_submissions):
        assert (scheduler.reconcile_seconds, job) in scheduler.JOBS
    assert scheduler.reconcile_seconds() <= 15
