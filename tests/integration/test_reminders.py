"""Follow-up reminders: an application still only "submitted" after the configured number of
days gets one reminder (notification + e-mail), recorded as the notification event whose id
comes from ``follow-up:{application}``; exactly once, even across scheduler restarts."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from django.utils import timezone

from jobraker.components import redis_client
from jobraker.delivery.reminders import reminder_cause, send_follow_up_reminders
from jobraker.domain.application import Actor
from jobraker.domain.notification import notification_id
from jobraker.workers import scheduler

from ..api_helpers import caught_up
from ..conftest import relay_from_now, unique_email

# A reminder run reads every silent application in the database: only this module's.
pytestmark = pytest.mark.usefixtures("module_database")


def _submitted_application(jobraker, candidate_id: UUID, title: str = "Platform Engineer") -> UUID:
    job_id, _ = jobraker.post_job(source="test", external_id=uuid4().hex, title=title, company="Acme")
    application_id, position = jobraker.track_application(candidate_id, job_id, applied=True)
    caught_up(position)
    return application_id


def _reminders(jobraker, application_id: UUID) -> list:
    return jobraker.recorder.select_events(notification_id(reminder_cause(application_id)))


def _run_scheduler_once(job) -> None:  # type: ignore[no-untyped-def]
    """Start a scheduler with one duty, let it run it, stop it (a deploy or a crash)."""
    stop = threading.Event()
    ran = threading.Event()

    def duty() -> None:
        job()
        ran.set()

    thread = threading.Thread(target=scheduler.run_scheduler, args=(stop, [(3600.0, duty)]))
    thread.start()
    assert ran.wait(20)
    stop.set()
    thread.join(10)


def test_one_reminder_per_silent_application_across_scheduler_restarts(jobraker, live_projector, dramatiq_worker, mailoutbox):
    redis_client().delete("jobraker:scheduler:leader")
    relay = relay_from_now(jobraker)
    email = unique_email("remind")
    candidate_id, _ = jobraker.register_candidate(email, "Reminded", "hash", address_verified=True)  # no link mail
    silent = _submitted_application(jobraker, candidate_id, "Platform Engineer")
    answered = _submitted_application(jobraker, candidate_id, "Data Engineer")
    caught_up(jobraker.move_application(answered, "schedule_interview", Actor.CANDIDATE, at=timezone.now()))
    eight_days_on = timezone.now() + timedelta(days=8)

    send_follow_up_reminders(jobraker, timezone.now() + timedelta(days=6), 7)
    assert _reminders(jobraker, silent) == []  # not yet due
    for _ in range(3):  # three scheduler lives, one after another
        _run_scheduler_once(lambda: send_follow_up_reminders(jobraker, eight_days_on, 7))
    send_follow_up_reminders(jobraker, eight_days_on, 7)  # and before the read models show the reminder

    [reminder] = _reminders(jobraker, silent)
    notification = jobraker.repository.get(reminder.originator_id)
    assert notification.kind == "follow_up" and notification.link == f"/api/v1/applications/{silent}"
    assert notification.message.startswith("No response yet to your application for Platform Engineer at Acme")
    assert _reminders(jobraker, answered) == []  # an interview is a response

    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    [mail] = [m for m in mailoutbox if m.to == [email]]
    assert mail.subject == "Jobraker: Time to follow up on an application"


def test_no_reminder_before_the_configured_days_or_when_turned_off(jobraker, live_projector):
    early, _ = jobraker.register_candidate(unique_email("early"), "Early", "hash")
    waiting = _submitted_application(jobraker, early)
    send_follow_up_reminders(jobraker, timezone.now() + timedelta(days=6), 7)
    assert _reminders(jobraker, waiting) == []

    opted_out, _ = jobraker.register_candidate(unique_email("no-remind"), "No reminders", "hash")
    caught_up(jobraker.change_notification_settings(opted_out, {"follow_up_reminders": False}))
    quiet = _submitted_application(jobraker, opted_out)
    send_follow_up_reminders(jobraker, timezone.now() + timedelta(days=30), 7)
    assert _reminders(jobraker, quiet) == []
    assert len(_reminders(jobraker, waiting)) == 1  # the same run reminded the candidate who kept them on


def test_the_scheduler_reminds_with_the_configured_days(jobraker, live_projector, monkeypatch):
    from jobraker.config import get_settings

    candidate_id, _ = jobraker.register_candidate(unique_email("days"), "Days", "hash")
    application_id = _submitted_application(jobraker, candidate_id)
    monkeypatch.setattr(get_settings(), "follow_up_days", 2)
    later = timezone.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the scheduler runs two days on
    assert (scheduler.REMINDER_SECONDS, scheduler.send_follow_up_reminders) in scheduler.JOBS
    scheduler.send_follow_up_reminders()
    assert len(_reminders(jobraker, application_id)) == 1
