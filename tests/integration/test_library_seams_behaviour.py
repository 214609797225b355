"""What eventstore/seams.py relies on the library doing, on the real PostgreSQL: writes given to
a save run in the events' transaction after the table lock (and commit or roll back with them),
NOTIFY still goes out, and notification ids come back in order."""

from __future__ import annotations

import os
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from jobraker.eventstore.app import recorder_env
from jobraker.eventstore.seams import PIPELINE_MAX_BYTES, TransactionalSaves


class Probe(Aggregate):
    @event("Made")
    def __init__(self, label: str) -> None:
        self.label = label


class SeamProbe(TransactionalSaves, Application[UUID]):
    """An application on its own tables whose saves run ``self.writes`` in their transaction."""

    writes: list = []

    def record_events(self, events, record):  # type: ignore[no-untyped-def]
        return record(self.writes)


@pytest.fixture
def probe():  # type: ignore[no-untyped-def]
    app = SeamProbe(recorder_env(os.environ["DATABASE_URL"]))
    yield app
    app.close()


def test_writes_run_in_the_events_transaction_after_the_table_lock(probe):
    seen = {}

    def write(cursor):  # type: ignore[no-untyped-def]
        cursor.execute(
            "SELECT count(*) AS n FROM pg_locks WHERE relation = %s::regclass AND mode = 'ExclusiveLock' "
            "AND pid = pg_backend_pid() AND granted",
            [probe.recorder.events_table_name],
        )
        seen["locked"] = cursor.fetchone()["n"]  # the library's cursors give dict rows

    probe.writes = [write]
    made = Probe("one")
    recordings = probe.save(made)
    assert seen == {"locked": 1}  # a lock taken in a transaction (it would be gone after a statement)
    assert [r.notification.originator_id for r in recordings] == [made.id]
    assert probe.repository.get(made.id).label == "one"


def test_a_failing_write_rolls_the_events_back(probe):
    class Refused(Exception):
        pass

    def refuse(cursor):  # type: ignore[no-untyped-def]
        raise Refused()

    probe.writes = [refuse]
    refused = Probe("two")
    with pytest.raises(Refused):
        probe.save(refused)
    assert not probe.recorder.select_events(refused.id)


def test_saves_still_notify_listeners_and_number_events_in_order(probe):
    probe.writes = []
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as listener:
        listener.execute(f'LISTEN "{probe.recorder.channel_name}"')
        first, second = Probe("three"), Probe("four")
        recordings = probe.save(first, second)
        notified = next(listener.notifies(timeout=5, stop_after=1), None)
    assert notified is not None and notified.channel == probe.recorder.channel_name
    ids = [r.notification.id for r in recordings]
    assert ids == sorted(ids) and len(set(ids)) == 2


def _pipelined(cursor) -> bool:  # type: ignore[no-untyped-def]
    return bool(cursor.connection.pgconn.pipeline_status)


def test_small_saves_are_pipelined_and_large_ones_are_not(probe):
    seen: list[bool] = []
    probe.writes = [lambda cursor: seen.append(_pipelined(cursor))]
    probe.save(Probe("small"))
    probe.save(Probe("x" * (PIPELINE_MAX_BYTES + 1)))  # larger pipelined messages can hang psycopg
    assert seen == [True, False]


def test_a_statement_failing_in_a_pipelined_save_is_run_again_in_plain_mode(probe):
    # Pipelined, the failure shows only at the end; in plain mode the write sees it at its own
    # statement, as every write expects, and raises its own error.
    class Refused(Exception):
        pass

    modes: list[bool] = []

    def failing_statement(cursor):  # type: ignore[no-untyped-def]
        modes.append(_pipelined(cursor))
        try:
            cursor.execute("SELECT 1 / 0")
        except psycopg.errors.DivisionByZero:
            raise Refused() from None

    probe.writes = [failing_statement]
    refused = Probe("five")
    with pytest.raises(Refused):
        probe.save(refused)
    assert modes == [True, False]
    assert not probe.recorder.select_events(refused.id)
