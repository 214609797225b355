"""Build the Jobraker application service on the real event store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording
from eventsourcing.utils import get_topic
from psycopg.conninfo import conninfo_to_dict

from jobraker.accounts import reservations
from jobraker.components import components
from jobraker.config import Settings
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import data_subject, personal_fields
from jobraker.domain.service import Jobraker
from jobraker.eventstore import context
from jobraker.eventstore.mapper import PersonalDataMapper
from jobraker.eventstore.seams import JobrakerRecorder, TransactionalSaves
from jobraker.privacy import streams
from jobraker.privacy.blind_index import email_index
from jobraker.privacy.keyring import KeyAlreadyStored, Keyring, WrappedKeys
from jobraker.privacy.keystore import DatabaseKeyStore, kek_source


def recorder_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's Postgres settings, from ``DATABASE_URL``."""
    parts = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "localhost")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "10",
        "POSTGRES_PRE_PING": "y",
        # Seconds a writer waits for the table lock that keeps notification ids in commit order.
        "POSTGRES_LOCK_TIMEOUT": "10",
        "CREATE_TABLE": "y",
        "APPLICATION_RECORDER_TOPIC": get_topic(JobrakerRecorder),
    }


class EncryptedJobraker(TransactionalSaves, Jobraker):
    """The application service on the real store: personal fields sealed per candidate, and
    e-mail addresses reserved (by blind index) in the transaction of the events that take
    and release them."""

    def __init__(self, env: dict[str, str], *, keyring: Keyring, email_index: Callable[[str], str]) -> None:
        self.keyring = keyring
        self.email_index = email_index
        super().__init__(env)

    def construct_mapper(self) -> PersonalDataMapper:
        return PersonalDataMapper(
            self.construct_transcoder(), self.keyring, lambda: context.current().as_metadata()
        )

    def record_events(
        self, events: Sequence[Any], record: Callable[[list[Callable[[Any], None]]], list[Recording[UUID]]]
    ) -> list[Recording[UUID]]:
        subjects = {data_subject(e) for e in events if personal_fields(type(e))}
        erasing = {e.originator_id for e in events if isinstance(e, Candidate.ErasureCompleted)}
        # Committed with the events: e-mail reservations and the index of the candidate's streams.
        identity_writes = [*self._identity_writes(events), *streams.index_writes(events)]
        # A subject whose own stream starts in this save (a registration) has no key yet: its
        # new key is written in the events' transaction. Other subjects' keys are loaded (or
        # made) first, one round trip for all of them.
        starting = {e.originator_id for e in events if e.originator_version == 1}
        try:
            with context.one_cause(), self.keyring.keys_for_new_subjects(subjects & starting) as new_keys:
                self.keyring.ensure_keys(subjects - new_keys.keys())
                recordings = record(self._in_transaction(new_keys, subjects - new_keys.keys(), erasing, identity_writes))
        except KeyAlreadyStored:
            # Stored before (a key row left by an earlier failed save), or its KEK was just retired.
            self.keyring.ensure_keys(subjects)
            with context.one_cause():
                recordings = record(self._in_transaction(None, subjects, erasing, identity_writes))
        for subject in erasing:
            self.keyring.forget(subject)
        return recordings

    def _in_transaction(
        self,
        new_keys: WrappedKeys | None,
        existing: set[UUID],
        erasing: set[UUID],
        identity_writes: list[Callable[[Any], None]],
    ) -> list[Callable[[Any], None]]:
        """What the recorder runs in the events' transaction, after the table lock: the erasure
        barrier (every subject sealed for still has its key row, checked in the database, not a
        cache), new subjects' keys, an erasure's tombstone with the deletion of the key, and the
        reservation (or release) of e-mail addresses and the index of new candidate streams."""
        keyring = self.keyring
        writes: list[Callable[[Any], None]] = []
        if existing:
            writes.append(lambda cursor: keyring.require_live(cursor, existing))
        if new_keys:
            writes.append(lambda cursor: keyring.store_new_keys(cursor, new_keys))
        writes.extend(partial(_destroy_in, keyring, subject) for subject in erasing)
        writes.extend(identity_writes)
        return writes

    def _identity_writes(self, events: Iterable[Any]) -> list[Callable[[Any], None]]:
        """Reserve the addresses of new candidates; release those of erased ones."""
        indexes = {e.originator_id: self.email_index(e.email) for e in events if isinstance(e, Candidate.Registered)}
        released = [e.originator_id for e in events if isinstance(e, Candidate.ErasureCompleted)]
        writes: list[Callable[[Any], None]] = []
        if indexes:
            writes.append(lambda cursor: reservations.reserve_for_candidates(cursor, indexes))
        if released:
            writes.append(lambda cursor: reservations.release(cursor, released))
        return writes


def _destroy_in(keyring: Keyring, subject: UUID, cursor: Any) -> None:
    keyring.destroy_in(cursor, subject)


def events_table_name() -> str:
    """The events table the library names after the application (its PostgresFactory)."""
    return f"{EncryptedJobraker.name.lower()}_events"


def build_jobraker(settings: Settings) -> EncryptedJobraker:
    assert settings.database_url, "DATABASE_URL is resolved before the event store is built"
    return EncryptedJobraker(
        recorder_env(settings.database_url),
        keyring=Keyring(DatabaseKeyStore(), kek_source(settings)),
        email_index=partial(email_index, key=settings.blind_index_key_bytes),
    )


def get_jobraker() -> EncryptedJobraker:
    """The process's one application service (it owns a connection pool), as the composition
    root built it (``jobraker.components``)."""
    return components().event_store
