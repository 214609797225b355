"""A projection that fails on one event fails alone: the others reach the head; it retries
with backoff, then parks the event and goes on; `projections status`, the Operations page and
/health/ready show it (503, naming it); `projections retry` applies the event after a fix."""

from __future__ import annotations

from functools import singledispatchmethod
from uuid import uuid4

import pytest
import redis
from django.test import Client

from jobraker import cli
from jobraker.api import health
from jobraker.domain.candidate import Candidate
from jobraker.projections import registry
from jobraker.projections.base import Projection, ProjectionRunner
from jobraker.projections.models import CandidateRecord, ParkedEvent, ProjectionPosition
from jobraker.workers.watchdog import check_projection_lag

from ..api.test_admin import staff_browser
from ..conftest import start_fresh_projection, unique_email

pytestmark = pytest.mark.usefixtures("head_at_start")


class Poisoned(Exception):
    pass


class PickyProjection(Projection):
    """Writes a marker row per registration; fails on the candidates in ``fail_on``, with an
    error message that quotes the event's personal data (which must never be stored)."""

    def __init__(self, fail_on: set | None = None, error: type[Exception] = Poisoned) -> None:
        self.name = f"picky-{uuid4().hex[:8]}"
        self.fail_on = fail_on or set()
        self.error = error
        start_fresh_projection(self.name)

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        pass

    @process.register
    def _registered(self, event: Candidate.Registered, position: int) -> None:
        if event.originator_id in self.fail_on:
            raise self.error(f"cannot project {event.email}")
        ProjectionPosition.objects.create(name=f"{self.name}:{event.originator_id}", position=position)

    def reset(self) -> None:
        ProjectionPosition.objects.filter(name__startswith=f"{self.name}:").delete()

    def marked(self, candidate_id) -> bool:
        return ProjectionPosition.objects.filter(name=f"{self.name}:{candidate_id}").exists()


@pytest.fixture
def picky(monkeypatch):
    """A failing projection registered beside the real ones, just for this test."""
    projection = PickyProjection()
    real = registry.all_projections
    with_picky = lambda: [*real(), projection]  # noqa: E731
    monkeypatch.setattr(registry, "all_projections", with_picky)
    monkeypatch.setattr(health, "all_projections", with_picky)
    return projection


def _state(projection: Projection) -> ProjectionPosition:
    return ProjectionPosition.objects.get(name=projection.name)


def _ready() -> tuple[int, dict]:
    response = Client().get("/health/ready")
    return response.status_code, response.json()


def test_a_poisoned_event_stops_only_its_projection_which_retries_then_parks_it(
    jobraker, no_live_projector, picky, capsys
):
    email = unique_email("poison")
    before, _ = jobraker.register_candidate(unique_email(), "Before", "h")
    poisoned, poisoned_position = jobraker.register_candidate(email, "Poisoned", "h")
    after, _ = jobraker.register_candidate(unique_email(), "After", "h")
    picky.fail_on.add(poisoned)
    slow = ProjectionRunner(jobraker, registry.all_projections(), max_attempts=3, retry_seconds=3600)

    slow.catch_up()

    # Every other projection reached the head, the poisoned candidate included.
    head = jobraker.recorder.max_notification_id()
    others = [p for p in slow.projections if p is not picky]
    assert {_state(p).position for p in others} == {head}
    assert CandidateRecord.objects.filter(id__in=[before, poisoned, after]).count() == 3
    # The failing one kept what came before the event and waits to try it again.
    state = _state(picky)
    assert (state.position, state.failing_notification_id, state.failed_attempts) == (poisoned_position - 1, poisoned_position, 1)
    assert picky.marked(before) and not picky.marked(after)
    assert state.retry_at is not None and "Poisoned" in state.last_error and email not in state.last_error

    status, body = _ready()
    assert status == 503
    assert body["projection_problems"] == {picky.name: f"failing on event {poisoned_position} (1 attempt(s))"}
    assert picky.name in body["checks"]["projections"]
    assert f"failing on event {poisoned_position} (1 attempts, next try" in staff_browser().get("/admin/operations/").content.decode()
    watched = next(row for row in check_projection_lag(3600, 1_000_000)["projections"] if row["name"] == picky.name)
    assert (watched["failing_at"], watched["attempts"], watched["parked"]) == (poisoned_position, 1, 0)

    # An hour later, a restarted projector (with no delay) goes on counting: the third failure
    # parks the event.
    ProjectionPosition.objects.filter(name=picky.name).update(retry_at=None)
    ProjectionRunner(jobraker, registry.all_projections(), max_attempts=3, retry_seconds=0).catch_up()
    state = _state(picky)
    assert state.position == head and state.failing_notification_id is None
    assert picky.marked(after) and not picky.marked(poisoned)
    parked = ParkedEvent.objects.get(projection=picky.name)
    assert (parked.notification_id, parked.originator_id, parked.originator_version, parked.attempts) == (
        poisoned_position, poisoned, 1, 3)
    assert parked.topic == "jobraker.domain.candidate:Candidate.Registered"
    assert parked.error_class == "tests.integration.test_projection_isolation.Poisoned"
    assert parked.resolved_at is None
    stored = " ".join([parked.error_class, parked.error_message, parked.topic])
    assert email not in stored and "Poisoned" not in stored.replace("test_projection_isolation.Poisoned", "")

    status, body = _ready()
    assert status == 503 and body["projection_problems"] == {picky.name: "1 parked event(s)"}

    assert cli.main(["projections", "status"]) == 0
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith(picky.name))
    assert row.split()[1:6] == [str(head), str(head), "0", "0.0", "1"]
    assert f"event {poisoned_position} {parked.topic} {poisoned}" in printed
    assert email not in printed

    # After the fix, `retry` applies it and health is ready again.
    picky.fail_on.clear()
    assert cli.main(["projections", "retry", picky.name]) == 0
    assert f"{picky.name}: 1 parked event(s) applied, 0 still parked" in capsys.readouterr().out
    assert picky.marked(poisoned)
    assert ParkedEvent.objects.get(pk=parked.pk).resolved_at is not None
    status, body = _ready()
    assert status == 200, body
    assert body["projection_problems"] == {}


def test_a_retry_that_fails_again_keeps_the_event_parked(jobraker, no_live_projector, picky, capsys):
    poisoned, _ = jobraker.register_candidate(unique_email(), "Still Poisoned", "h")
    picky.fail_on.add(poisoned)
    ProjectionRunner(jobraker, [picky], max_attempts=2, retry_seconds=0).catch_up()
    assert ParkedEvent.objects.get(projection=picky.name).attempts == 2

    assert cli.main(["projections", "retry", picky.name]) == 1  # nothing fixed yet
    assert f"{picky.name}: 0 parked event(s) applied, 1 still parked" in capsys.readouterr().out
    parked = ParkedEvent.objects.get(projection=picky.name)
    assert parked.attempts == 3 and parked.resolved_at is None and not picky.marked(poisoned)


def test_a_service_outage_is_retried_but_never_parks_the_event(jobraker, no_live_projector):
    candidate_id, position = jobraker.register_candidate(unique_email(), "Outage", "h")
    projection = PickyProjection(fail_on={candidate_id}, error=redis.exceptions.ConnectionError)
    runner = ProjectionRunner(jobraker, [projection], max_attempts=1, retry_seconds=0)
    for _ in range(3):
        runner.catch_up()
    state = _state(projection)
    assert (state.position, state.failing_notification_id, state.failed_attempts) == (position - 1, position, 0)
    assert "redis.exceptions.ConnectionError" in state.last_error
    assert not ParkedEvent.objects.filter(projection=projection.name).exists()

    projection.fail_on.clear()  # the service is back
    runner.catch_up()
    assert projection.marked(candidate_id) and _state(projection).failing_notification_id is None


def test_a_database_error_is_stored_without_the_values_it_quotes(jobraker, no_live_projector):
    """PostgreSQL's DETAIL line quotes the duplicate value (`Key (name)=(…) already exists`):
    the parked row keeps the SQLSTATE and the constraint, never the value."""
    email = unique_email("dup")
    candidate_id, position = jobraker.register_candidate(email, "Duplicate", "h")

    class Duplicating(PickyProjection):
        @singledispatchmethod
        def process(self, event: object, position: int) -> None:
            pass

        @process.register
        def _registered(self, event: Candidate.Registered, position: int) -> None:
            if event.originator_id == candidate_id:
                ProjectionPosition.objects.create(name=event.email, position=position)
                ProjectionPosition.objects.create(name=event.email, position=position)

    projection = Duplicating()
    ProjectionRunner(jobraker, [projection], max_attempts=1, retry_seconds=0).catch_up()
    parked = ParkedEvent.objects.get(projection=projection.name)
    assert parked.notification_id == position
    assert parked.error_class == "psycopg.errors.UniqueViolation"
    assert parked.error_message == "SQLSTATE 23505 constraint jobraker_projection_positions_pkey table jobraker_projection_positions"
    assert not ProjectionPosition.objects.filter(name=email).exists()  # its work rolled back


def test_the_operations_page_shows_and_retries_parked_events_for_staff_only(jobraker, no_live_projector, picky):
    from jobraker.accounts.models import Account, Role

    from ..api_helpers import PASSWORD

    poisoned, position = jobraker.register_candidate(unique_email(), "Shown", "h")
    picky.fail_on.add(poisoned)
    ProjectionRunner(jobraker, [picky], max_attempts=1, retry_seconds=0).catch_up()

    assert Client().get("/admin/operations/").status_code == 302  # anonymous: to the login page
    candidate = Client()
    candidate.force_login(Account.objects.create_user(unique_email(), PASSWORD, role=Role.CANDIDATE))
    assert candidate.get("/admin/operations/").status_code == 302
    assert candidate.post("/admin/operations/", {"retry": picky.name}).status_code == 302
    assert ParkedEvent.objects.get(projection=picky.name).attempts == 1  # the candidate retried nothing

    staff = staff_browser()
    page = staff.get("/admin/operations/").content.decode()
    assert "Parked events" in page and f"<td>{picky.name}</td><td>{position}</td>" in page
    assert f'name="retry" value="{picky.name}"' in page

    picky.fail_on.clear()
    done = staff.post("/admin/operations/", {"retry": picky.name}, follow=True).content.decode()
    assert f"{picky.name}: 1 parked event(s) applied, 0 still parked." in done
    assert "Parked events" not in done and picky.marked(poisoned)


def test_a_rebuild_applies_and_resolves_parked_events(jobraker, no_live_projector):
    poisoned, _ = jobraker.register_candidate(unique_email(), "Rebuilt", "h")
    projection = PickyProjection(fail_on={poisoned})
    runner = ProjectionRunner(jobraker, [projection], max_attempts=1, retry_seconds=0)
    runner.catch_up()
    assert ParkedEvent.objects.filter(projection=projection.name, resolved_at__isnull=True).count() == 1
    projection.fail_on.clear()
    runner.rebuild(projection)
    assert projection.marked(poisoned)
    assert not ParkedEvent.objects.filter(projection=projection.name, resolved_at__isnull=True).exists()


def test_health_names_the_relay_when_it_parks_but_not_for_its_lag(jobraker, no_live_projector, projector, monkeypatch):
    """The relay runs in its own process: its parked events make the API unready, its lag is the watchdog's."""
    poisoned, _ = jobraker.register_candidate(unique_email(), "Relayed", "h")
    relay = PickyProjection(fail_on={poisoned})
    monkeypatch.setattr(health, "relay_projections", lambda: [relay])
    projector.catch_up()
    jobraker.register_candidate(unique_email(), "Unrelayed", "h")
    projector.catch_up()
    assert _ready()[0] == 200  # the relay has read nothing: lag alone is not a problem

    ProjectionRunner(jobraker, [relay], max_attempts=1, retry_seconds=0).catch_up()
    status, body = _ready()
    assert status == 503 and body["projection_problems"] == {relay.name: "1 parked event(s)"}


def test_the_following_projector_parks_and_goes_on_by_itself(jobraker, no_live_projector):
    """The LISTEN/NOTIFY loop: a poisoned event is retried, parked and passed while a healthy
    projection beside it keeps up, without anyone calling catch_up."""
    import os
    import threading
    import time

    from django.db import connection

    poisoned, _ = jobraker.register_candidate(unique_email(), "Followed Poison", "h")
    failing, healthy = PickyProjection(fail_on={poisoned}), PickyProjection()
    runner = ProjectionRunner(jobraker, [failing, healthy], max_attempts=3, retry_seconds=0.05)
    stop = threading.Event()

    def follow() -> None:
        try:
            runner.run_forever(stop, os.environ["DATABASE_URL"], poll_seconds=0.1)
        finally:
            connection.close()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        later, _ = jobraker.register_candidate(unique_email(), "Followed Later", "h")
        # Retries 0.05 s apart finish in well under a second; 20 s leaves room for a loaded
        # machine, and still fails a follower that waits far longer than the retry delay.
        deadline = time.monotonic() + 20
        while not (failing.marked(later) and healthy.marked(later)) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert healthy.marked(poisoned) and healthy.marked(later)
    assert failing.marked(later) and not failing.marked(poisoned)
    assert ParkedEvent.objects.get(projection=failing.name).attempts == 3


def test_a_position_row_inserted_by_hand_needs_only_name_and_position():
    """The benchmark (and any SQL an operator writes) inserts positions naming two columns."""
    from django.db import connection

    name = f"raw-{uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jobraker_projection_positions (name, position, updated_at) VALUES (%s, 7, now())", [name]
        )
    row = ProjectionPosition.objects.get(name=name)
    assert (row.position, row.failed_attempts, row.last_error, row.failing_notification_id) == (7, 0, "", None)
