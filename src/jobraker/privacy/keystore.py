"""The key store in PostgreSQL, beside the events it protects."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from jobraker.privacy.models import SubjectKey


class DatabaseKeyStore:
    def load(self, subject: UUID) -> bytes | None:
        wrapped = (
            SubjectKey.objects.filter(subject_id=subject)
            .values_list("wrapped_key", flat=True)
            .first()
        )
        return bytes(wrapped) if wrapped is not None else None

    def is_destroyed(self, subject: UUID) -> bool:
        return SubjectKey.objects.filter(subject_id=subject, destroyed_at__isnull=False).exists()

    def insert(self, subject: UUID, wrapped_key: bytes) -> bytes:
        SubjectKey.objects.bulk_create(
            [SubjectKey(subject_id=subject, wrapped_key=wrapped_key)], ignore_conflicts=True
        )
        stored = self.load(subject)
        if stored is None:
            raise RuntimeError(f"data key of {subject} was destroyed while being created")
        return stored

    def destroy(self, subject: UUID) -> None:
        SubjectKey.objects.update_or_create(
            subject_id=subject, defaults={"wrapped_key": None, "destroyed_at": timezone.now()}
        )
