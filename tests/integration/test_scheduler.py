"""One scheduler leads (Redis lock); a second stands by, and takes over when the first stops."""

from __future__ import annotations

import threading
import time

from jobraker.components import redis_client
from jobraker.workers import scheduler


def test_only_one_scheduler_sends_and_a_standby_takes_over(monkeypatch):
    monkeypatch.setattr(scheduler, "LOCK_SECONDS", 1)
    redis_client().delete("jobraker:scheduler:leader")
    ticks: dict[str, int] = {"a": 0, "b": 0}

    def job_for(name):
        def tick() -> None:
            ticks[name] += 1
        return tick

    stop_a, stop_b = threading.Event(), threading.Event()
    a = threading.Thread(target=scheduler.run_scheduler, args=(stop_a, [(0.05, job_for("a"))]))
    a.start()
    time.sleep(0.3)
    b = threading.Thread(target=scheduler.run_scheduler, args=(stop_b, [(0.05, job_for("b"))]))
    b.start()
    time.sleep(1.0)
    assert ticks["a"] > 3 and ticks["b"] == 0
    stop_a.set()
    a.join(5)
    time.sleep(1.5)
    assert ticks["b"] > 3
    stop_b.set()
    b.join(5)


def test_applications_queued_too_long_are_sent_again_once_per_period(jobraker, projector):
    """A queued application whose message was lost is picked up by the scheduler's safety net."""
    from datetime import timedelta

    from django.utils import timezone

    from jobraker.projections.models import ApplicationRecord
    from jobraker.workers.broker import broker

    from .test_auto_apply import queued_application
    from .test_recovery import relay_read_up_to

    stale, fresh = queued_application(jobraker), queued_application(jobraker)
    projector.catch_up()
    relay_read_up_to(fresh)
    ApplicationRecord.objects.filter(id=stale).update(updated_at=timezone.now() - timedelta(hours=2))

    def messages_for(application_id) -> int:
        the_broker = broker()
        raw = the_broker.client.hvals(f"{the_broker.namespace}:apply.msgs")
        return sum(str(application_id) in m.decode() for m in raw)

    scheduler.resend_queued_submissions()
    scheduler.resend_queued_submissions()
    assert messages_for(stale) == 1
    assert messages_for(fresh) == 0
