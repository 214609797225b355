"""The projection runner: positions move in the same transaction as the writes."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from contextlib import contextmanager
from functools import singledispatchmethod
from uuid import uuid4

import pytest
from django.db import connection

from jobraker.domain.candidate import Candidate
from jobraker.projections.base import Projection, ProjectionRunner
from jobraker.projections.models import CandidateRecord, ProjectionPosition

from ..conftest import start_fresh_projection, unique_email

pytestmark = pytest.mark.usefixtures("head_at_start")


class Boom(Exception):
    pass


class MarkerProjection(Projection):
    """Writes one marker row per registration; can be told to fail on a given candidate."""

    def __init__(self, fail_on: set | None = None) -> None:
        self.name = f"test-{uuid4().hex[:8]}"
        self.fail_on = fail_on or set()
        start_fresh_projection(self.name)

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        pass

    @process.register
    def _registered(self, event: Candidate.Registered, position: int) -> None:
        if event.originator_id in self.fail_on:
            raise Boom(event.originator_id)
        ProjectionPosition.objects.create(name=f"{self.name}:{event.originator_id}", position=position)

    def marker_positions(self) -> list[int]:
        return list(
            ProjectionPosition.objects.filter(name__startswith=f"{self.name}:").values_list("position", flat=True)
        )


def test_a_failed_event_rolls_back_only_itself_and_holds_the_position_before_it(jobraker, head_at_start):
    registered = [jobraker.register_candidate(unique_email(), "C", "h") for _ in range(3)]
    failing_id, failing_position = registered[1]
    projection = MarkerProjection(fail_on={failing_id})
    runner = ProjectionRunner(jobraker, [projection], batch_size=50, retry_seconds=3600)

    runner.catch_up()  # fails once, then waits an hour before trying again

    # What came before the failing event committed; the failing event left no row, and the
    # position stops just before it.
    tracking = ProjectionPosition.objects.get(name=projection.name)
    assert tracking.position == failing_position - 1
    assert (tracking.failing_notification_id, tracking.failed_attempts) == (failing_position, 1)
    assert "Boom" in tracking.last_error
    marked = projection.marker_positions()
    assert all(p < failing_position for p in marked)
    assert len(marked) == registrations_up_to(jobraker, projection, head_at_start, failing_position - 1)

    projection.fail_on.clear()  # the fix; and the next try is due now
    ProjectionPosition.objects.filter(name=projection.name).update(retry_at=None)
    runner.catch_up()
    head = jobraker.recorder.max_notification_id()
    tracking = ProjectionPosition.objects.get(name=projection.name)
    assert tracking.position == head
    assert (tracking.failing_notification_id, tracking.failed_attempts, tracking.last_error) == (None, 0, "")
    assert len(projection.marker_positions()) == registrations_up_to(jobraker, projection, head_at_start, head)


def registrations_up_to(jobraker, projection, start: int, position: int) -> int:
    """Registrations the projection saw: after ``start`` (where it started), up to ``position``."""
    return len(
        jobraker.recorder.select_notifications(
            start=start + 1, limit=10_000_000, stop=position, topics=projection.handled_topics()
        )
    )


def test_catching_up_twice_applies_nothing_twice(jobraker):
    jobraker.register_candidate(unique_email(), "C", "h")
    projection = MarkerProjection()
    runner = ProjectionRunner(jobraker, [projection], batch_size=7)
    first = runner.catch_up()
    assert first == len(projection.marker_positions()) > 0
    assert runner.catch_up() == 0
    assert len(projection.marker_positions()) == first


def test_only_handled_topics_are_read(jobraker):
    assert MarkerProjection().handled_topics() == ["jobraker.domain.candidate:Candidate.Registered"]


def test_candidate_projection_writes_the_read_row(jobraker, projector):
    email = unique_email()
    candidate_id, position = jobraker.register_candidate(email, "Katherine Johnson", "h")
    projector.catch_up()
    record = CandidateRecord.objects.get(id=candidate_id)
    assert (record.name, record.version, record.position) == ("Katherine Johnson", 1, position)
    assert record.email == email  # opened on read; tests/integration/test_sealed_read_models.py reads the raw column


def test_erasure_drops_the_read_rows(jobraker, projector):
    from jobraker.accounts.models import Account

    candidate_id, _ = jobraker.register_candidate(unique_email(), "To Erase", "h")
    projector.catch_up()
    assert Account.objects.filter(id=candidate_id).exists()
    candidate = jobraker.get_candidate(candidate_id)
    jobraker.mapper.keyring.destroy(candidate_id)
    candidate.complete_erasure()
    jobraker.save(candidate)
    projector.catch_up()
    assert not CandidateRecord.objects.filter(id=candidate_id).exists()
    assert not Account.objects.filter(id=candidate_id).exists()


def test_a_quiet_log_wakes_no_lane_and_an_event_wakes_every_lane(jobraker, monkeypatch):
    """Following the log, a poll with nothing new looks at the head once and wakes no lane that
    is caught up to it (each lane's look is two queries, for every projection, every poll)."""
    looks: Counter[tuple[str, ...]] = Counter()
    run_once = ProjectionRunner.run_once

    def counted(self: ProjectionRunner) -> int:
        looks[tuple(p.name for p in self.projections)] += 1
        return run_once(self)

    monkeypatch.setattr(ProjectionRunner, "run_once", counted)
    projections = [MarkerProjection() for _ in range(3)]
    ours = {(p.name,) for p in projections}

    def our_looks() -> int:
        return sum(n for names, n in looks.items() if names in ours)

    with following(jobraker, projections):
        deadline = time.monotonic() + 10
        while ours - set(looks) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # every lane has finished its first catch-up
        before = our_looks()
        time.sleep(1.0)  # 20 polls: 60 looks before quiet polls were told apart
        assert our_looks() - before == 0
        _, position = jobraker.register_candidate(unique_email(), "Woken", "h")
        wait_for(projections, position)
    for projection in projections:
        assert projection.marker_positions() == [position]


def test_a_failing_look_at_the_head_never_ends_the_listener(jobraker, monkeypatch):
    """The recorder raises its own errors, not psycopg's: one from a quiet poll's look at the
    head ended the listener, and the lanes then looked only every 30 s."""
    recorder = type(jobraker.recorder)
    head = recorder.max_notification_id

    def failing_for_the_listener(self):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == LISTENER:
            raise RuntimeError("the recorder's pool is away")
        return head(self)

    monkeypatch.setattr(recorder, "max_notification_id", failing_for_the_listener)
    projections = [MarkerProjection()]
    with following(jobraker, projections):
        time.sleep(0.5)  # ten quiet polls, each look failing
        _, position = jobraker.register_candidate(unique_email(), "Still followed", "h")
        wait_for(projections, position, within=5.0)
    assert projections[0].marker_positions() == [position]


LISTENER = "test-listener"


@contextmanager
def following(jobraker, projections: list[Projection]):  # type: ignore[no-untyped-def]
    """``run_forever`` in a thread named ``LISTENER``, polling every 50 ms, stopped on leaving."""
    stop = threading.Event()

    def follow() -> None:
        try:
            ProjectionRunner(jobraker, projections).run_forever(stop, os.environ["DATABASE_URL"], poll_seconds=0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=follow, name=LISTENER, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def wait_for(projections: list[Projection], position: int, within: float = 10.0) -> None:
    """Until every projection has reached ``position`` (the caller asserts what they wrote)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(
        not ProjectionPosition.objects.filter(name=p.name, position__gte=position).exists() for p in projections
    ):
        time.sleep(0.05)
