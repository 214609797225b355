"""The projection runner: positions move in the same transaction as the writes."""

from __future__ import annotations

from functools import singledispatchmethod
from uuid import uuid4

import pytest

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
