"""The Postgres application recorder, without psycopg pipeline mode for inserts.

With psycopg 3.3 the library's recorder sends its INSERT in pipeline mode, and
``pipeline.sync()`` never returns once that one message is larger than a few
hundred kilobytes (about 700 sealed registrations; reproduced in
``tests/test_event_store_volume.py``). Plain mode sends the same statements —
table lock (which keeps notification ids in commit order), NOTIFY, one
multi-row INSERT … RETURNING — in one transaction and has no such limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry


class UnpipelinedApplicationRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], *, in_transaction: Iterable[Callable[[Any], None]] = (), **kwargs: Any
    ) -> None:
        # Writes that must commit or roll back with the events (new subjects' data keys).
        super()._insert_events(curs, stored_events, **kwargs)
        for write in in_transaction:
            write(curs)
