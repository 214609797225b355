"""The key store in PostgreSQL, beside the events it protects: wrapped subject keys (each naming
the KEK that wraps it) and tombstones of erased subjects."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from psycopg.errors import ForeignKeyViolation, UniqueViolation

from jobraker.config import Settings
from jobraker.privacy.keks import KEK_FILE, EnvironmentKekSource, FileKekSource, KekSource, new_kek
from jobraker.privacy.keyring import KekRetired, KeyAlreadyStored, StoredKey, SubjectErased
from jobraker.privacy.models import ErasedSubject, SubjectKey

KEYS = SubjectKey._meta.db_table
TOMBSTONES = ErasedSubject._meta.db_table

# Keys of new subjects, in the event transaction's own cursor: one statement, no extra commit.
# A plain INSERT (ON CONFLICT's speculative insertion costs about as much again): a subject
# that has a key row already fails the whole statement, and the save takes the slow path.
# A subject with a tombstone gets no row, which the caller sees in the row count.
INSERT_KEYS = (
    f"INSERT INTO {KEYS} (subject_id, wrapped_key, kek_id, created_at) "
    "SELECT subject_id, wrapped_key, %s, now() FROM unnest(%s::uuid[], %s::bytea[]) AS new (subject_id, wrapped_key) "
    f"WHERE NOT EXISTS (SELECT FROM {TOMBSTONES} t WHERE t.subject_id = new.subject_id)"
)
INSERT_NEW = INSERT_KEYS + " RETURNING subject_id"
INSERT_MISSING = INSERT_KEYS + " ON CONFLICT (subject_id) DO NOTHING"
# FOR KEY SHARE: the rows must exist and cannot be deleted (erased) until the caller's transaction
# ends, while a KEK rotation may still re-wrap them (an UPDATE of non-key columns does not wait).
LIVE_KEYS = f"SELECT subject_id FROM {KEYS} WHERE subject_id = ANY(%s) FOR KEY SHARE"
STORED = f"SELECT subject_id, kek_id, wrapped_key FROM {KEYS} WHERE subject_id = ANY(%s)"
LOAD = f"SELECT kek_id, wrapped_key FROM {KEYS} WHERE subject_id = %s"
# clock_timestamp(), not now() (the transaction's start): a rotation whose KEK is numbered after
# this moment re-wraps without this subject's row; one numbered before must be followed by another.
TOMBSTONE = f"INSERT INTO {TOMBSTONES} (subject_id, erased_at) VALUES (%s, clock_timestamp()) ON CONFLICT DO NOTHING"
DELETE_KEY = f"DELETE FROM {KEYS} WHERE subject_id = %s"


class DatabaseKeyStore:
    def load(self, subject: UUID) -> StoredKey | None:
        # Plain SQL, not the ORM: a key is loaded on most reads of a candidate's sealed data (the
        # cache holds it for seconds), and the ORM's query building doubled what a load cost.
        with connection.cursor() as cursor:
            cursor.execute(LOAD, [subject])
            row = cursor.fetchone()
        return (row[0], bytes(row[1])) if row is not None else None

    def load_or_insert(self, new_keys: dict[UUID, bytes], kek_id: int) -> dict[UUID, StoredKey | None]:
        subjects = list(new_keys)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(INSERT_MISSING, (kek_id, subjects, [new_keys[s] for s in subjects]))
                cursor.execute(STORED, (subjects,))
                stored = {subject: (kek, bytes(wrapped)) for subject, kek, wrapped in cursor.fetchall()}
        except IntegrityError as error:
            if isinstance(error.__cause__, ForeignKeyViolation):
                raise KekRetired(kek_id) from None
            raise
        return {subject: stored.get(subject) for subject in subjects}

    def insert_new(self, cursor: Any, new_keys: dict[UUID, bytes], kek_id: int) -> None:
        """In the event store's transaction (a psycopg cursor)."""
        subjects = list(new_keys)
        try:
            # prepare=True: planned once per connection, as the recorder's own statements are.
            # The rows are counted from RETURNING: in psycopg's pipeline mode a fetch waits for
            # the result, where rowcount would not be known yet.
            cursor.execute(INSERT_NEW, (kek_id, subjects, [new_keys[s] for s in subjects]), prepare=True)
            stored = len(cursor.fetchall())
        except (UniqueViolation, ForeignKeyViolation):  # the transaction is rolled back by the caller
            raise KeyAlreadyStored() from None
        if stored != len(subjects):
            raise SubjectErased((self._erased_among(cursor, subjects) or subjects)[0])

    def require_live(self, cursor: Any, subjects: set[UUID]) -> None:
        """Inside the caller's transaction: every subject still has its key, and keeps it until
        the transaction ends. A worker whose cache still holds an erased subject's key stops here."""
        cursor.execute(LIVE_KEYS, (list(subjects),), prepare=True)
        live = {_first_column(row) for row in cursor.fetchall()}
        missing = sorted(subjects - live)
        if missing:
            raise SubjectErased(missing[0])

    def destroy_in(self, cursor: Any, subject: UUID) -> None:
        """In the caller's transaction: the tombstone first, then the key row goes (deleted, not
        emptied: an emptied row would keep its wrapped key in the old row version all the same)."""
        cursor.execute(TOMBSTONE, (subject,))
        cursor.execute(DELETE_KEY, (subject,))

    def destroy(self, subject: UUID) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            self.destroy_in(cursor, subject)

    def _erased_among(self, cursor: Any, subjects: list[UUID]) -> list[UUID]:
        cursor.execute(f"SELECT subject_id FROM {TOMBSTONES} WHERE subject_id = ANY(%s)", (subjects,))
        return [_first_column(row) for row in cursor.fetchall()]


def _first_column(row: Any) -> Any:
    """The event store's cursor gives dict rows, Django's tuples."""
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def kek_source(settings: Settings) -> KekSource:
    """``JOBRAKER_KEKS`` when set (production), else the KEK file in the data folder."""
    if settings.keks is not None:
        return EnvironmentKekSource(settings.keks.get_secret_value())
    return FileKekSource(settings.data_dir / KEK_FILE, first_key=lambda: _first_kek(settings))


def _first_kek(settings: Settings) -> bytes:
    """KEK #1 of a store made before KEKs existed is the master key that wrapped its keys (the
    upgrade path); a new store's is random, so the master key wraps nothing."""
    return settings.master_key_bytes if SubjectKey.objects.exists() else new_kek()
