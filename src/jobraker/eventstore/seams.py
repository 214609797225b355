"""Every use of eventsourcing's private API, in one place (the library is pinned ==9.5.6 for them).

Jobraker needs two things the library has no public hook for:

1. Writes in the events' own transaction (``TransactionalSaves``): data keys of new subjects,
   an erasure's tombstone and barrier, e-mail reservations, the index of a candidate's streams.
   The library's ``Application._record(processing_event)`` passes ``processing_event.saved_kwargs``
   on to ``recorder.insert_events(**kwargs)``; the mixin overrides ``_record`` to put them there.
2. An insert that uses psycopg's pipeline mode only for small saves (``JobrakerRecorder``),
   which calls the recorder's ``_insert_events``, ``_insert_stored_events``, ``_lock_table``,
   ``_notify_channel`` and ``_fetch_ids_after_insert_events``.

``PRIVATE_API`` lists each with the signature relied on; tests/unit/test_library_seams.py checks
them against the installed library, and tests/integration/test_library_seams_behaviour.py the
behaviour (writes commit and roll back with the events; the table lock and NOTIFY still happen).
docs/architecture.md says what would let the pin go.

The Postgres application recorder, with psycopg's pipeline mode for small saves only.

With psycopg 3.3 the library's recorder sends its INSERT in pipeline mode, and
``pipeline.sync()`` never returns once that one message is larger than a few
hundred kilobytes (about 700 sealed registrations; reproduced in
``tests/system/test_event_store_volume.py``). Plain mode sends the same statements —
table lock (which keeps notification ids in commit order), the writes in the events'
transaction, NOTIFY, one multi-row INSERT … RETURNING — and has no such limit, but waits
for each statement in turn: eight round trips for one registration against the bare
recorder's two. So a save under ``PIPELINE_MAX_BYTES`` is pipelined (three round trips); if anything in it fails, it is rolled back
and run again in plain mode, where each write raises its own error at its own statement.

The rows go as four plain arrays (ids, versions, topics, states) rather than the
library's one array of a composite type: psycopg escapes a composite's text in Python,
byte by byte, which made the insert the slowest part of appending sealed events
(2–5× slower for 1,000 registrations); plain arrays are dumped by its C code. Rows keep
their order (``unnest`` of arrays), so the returned notification ids match the events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError, Recording, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

# The private parts relied on, with their signatures in eventsourcing 9.5.6 (checked by a test).
PRIVATE_API: dict[tuple[type, str], str] = {
    (Application, "_record"): "(self, processing_event: 'ProcessingEvent[TAggregateID]') -> 'list[Recording[TAggregateID]]'",
    (PostgresApplicationRecorder, "_insert_events"): "(self, curs: 'Cursor[DictRow]', stored_events: 'Sequence[StoredEvent]', **_: 'Any') -> 'None'",
    (PostgresApplicationRecorder, "_insert_stored_events"): "(self, curs: 'Cursor[DictRow]', stored_events: 'Sequence[StoredEvent]', **kwargs: 'Any') -> 'None'",
    (PostgresApplicationRecorder, "_lock_table"): "(self, curs: 'Cursor[DictRow]') -> 'None'",
    (PostgresApplicationRecorder, "_notify_channel"): "(self, curs: 'Cursor[DictRow]') -> 'None'",
    (PostgresApplicationRecorder, "_fetch_ids_after_insert_events"): "(self, curs: 'Cursor[DictRow]', stored_events: 'Sequence[StoredEvent]', **_: 'Any') -> 'Sequence[int] | None'",
}
IN_TRANSACTION = "in_transaction"  # the keyword the recorder takes the writes by


class TransactionalSaves:
    """Mixin (before the library's Application in the bases) that lets an application run
    writes in the transaction of the events it saves: it overrides ``record_events``, which
    gets the events and a function that records them with the given writes."""

    def _record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        def record(writes: list[Callable[[Any], None]]) -> list[Recording[Any]]:
            processing_event.saved_kwargs[IN_TRANSACTION] = writes
            return super(TransactionalSaves, self)._record(processing_event)  # type: ignore[misc]

        return self.record_events(processing_event.events, record)

    def record_events(
        self, events: Sequence[Any], record: Callable[[list[Callable[[Any], None]]], list[Recording[Any]]]
    ) -> list[Recording[Any]]:
        return record([])


# Saves whose stored states add up to more go in plain mode (far below the size that hangs).
PIPELINE_MAX_BYTES = 64 * 1024

# Any constant: the advisory lock that makes processes create the event store's tables in turn.
CREATE_TABLES_LOCK = 0x6A6F6272616B6572  # "jobraker"


class JobrakerRecorder(PostgresApplicationRecorder):
    def create_table(self) -> None:
        """Processes that start together (`jobraker up`'s children, restarted workers) create the
        tables one at a time: the library's CREATE … IF NOT EXISTS / CREATE OR REPLACE statements
        run concurrently fail with "tuple concurrently updated" (found by the worker-kill fault test)."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_TABLES_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_TABLES_LOCK,))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        if sum(len(e.state) for e in stored_events) <= PIPELINE_MAX_BYTES:
            try:
                return self._insert_pipelined(stored_events, **kwargs)
            except PersistenceError:
                pass  # rolled back; plain mode tells which statement failed, and how
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            return self._insert_in_transaction(curs, stored_events, **kwargs)

    def _insert_pipelined(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One round trip for the statements up to the first write that reads a result, one for
        the rest, one for COMMIT. An error is re-raised only once the pipeline has ended (as the
        library does, so psycopg does not warn)."""
        failure: Exception | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as curs:
                try:
                    ids = self._insert_in_transaction(curs, stored_events, sync=pipeline.sync, **kwargs)
                except Exception as error:  # noqa: BLE001  (re-raised below)
                    failure = error
            if failure is not None:
                raise failure
        return ids

    def _insert_in_transaction(
        self, curs: Any, stored_events: Sequence[StoredEvent], *, sync: Callable[[], None] = lambda: None, **kwargs: Any
    ) -> Sequence[int] | None:
        self._insert_events(curs, stored_events, **kwargs)
        self._insert_stored_events(curs, stored_events, **kwargs)
        sync()  # a pipelined statement's error is raised here, inside the transaction
        return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], *, in_transaction: Iterable[Callable[[Any], None]] = (), **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        # Writes that must commit or roll back with the events (new subjects' data keys, an
        # erasure's tombstone) and checks that must hold when they commit (the erasure barrier).
        # After the table lock, which serialises every save: a save that takes it after an
        # erasure committed sees the erasure, one that took it before commits its events first.
        for write in in_transaction:
            write(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_events_statement,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            binary=True,
        )
