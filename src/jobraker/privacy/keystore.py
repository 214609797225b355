"""The key store in PostgreSQL, beside the events it protects."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone
from psycopg.errors import UniqueViolation

from jobraker.privacy.keyring import KeyAlreadyStored
from jobraker.privacy.models import SubjectKey

# Keys of new subjects, in the event transaction's own cursor: one statement, no extra commit.
# A plain INSERT (ON CONFLICT's speculative insertion costs about as much again): a subject
# that has a key row already fails the whole statement, and the save takes the slow path.
INSERT_NEW = (
    f"INSERT INTO {SubjectKey._meta.db_table} (subject_id, wrapped_key, created_at) "
    "SELECT subject_id, wrapped_key, now() FROM unnest(%s::uuid[], %s::bytea[]) AS new (subject_id, wrapped_key)"
)


class DatabaseKeyStore:
    def load(self, subject: UUID) -> bytes | None:
        wrapped = (
            SubjectKey.objects.filter(subject_id=subject)
            .values_list("wrapped_key", flat=True)
            .first()
        )
        return bytes(wrapped) if wrapped is not None else None

    def load_or_insert(self, new_keys: dict[UUID, bytes]) -> dict[UUID, bytes | None]:
        SubjectKey.objects.bulk_create(
            [SubjectKey(subject_id=s, wrapped_key=w) for s, w in new_keys.items()],
            ignore_conflicts=True,
        )
        stored = SubjectKey.objects.filter(subject_id__in=list(new_keys)).values_list(
            "subject_id", "wrapped_key"
        )
        return {subject: bytes(wrapped) if wrapped is not None else None for subject, wrapped in stored}

    def insert_new(self, cursor: Any, new_keys: dict[UUID, bytes]) -> None:
        subjects = list(new_keys)
        try:
            cursor.execute(INSERT_NEW, (subjects, [new_keys[s] for s in subjects]))
        except UniqueViolation:  # the transaction is rolled back by the caller
            raise KeyAlreadyStored() from None

    def destroy(self, subject: UUID) -> None:
        SubjectKey.objects.update_or_create(
            subject_id=subject, defaults={"wrapped_key": None, "destroyed_at": timezone.now()}
        )
