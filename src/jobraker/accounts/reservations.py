"""E-mail reservations written in the event store's own transaction.

A registration's reservation commits or rolls back with its ``Candidate.Registered``
event: a second registration of the address fails before anything is stored, so no
read model ever meets two identities with one address. An erasure's release commits
with ``Candidate.ErasureCompleted``, which the log orders before any later registration
of the same address."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.errors import UniqueViolation

from jobraker.accounts.models import EmailReservation, Role
from jobraker.domain.errors import CandidateAlreadyRegistered

TABLE = EmailReservation._meta.db_table
RESERVE = (
    f"INSERT INTO {TABLE} (email_index, subject_id, kind, created_at) "
    "SELECT email_index, subject_id, %s, now() FROM unnest(%s::text[], %s::uuid[]) AS new (email_index, subject_id)"
)
RELEASE = f"DELETE FROM {TABLE} WHERE subject_id = ANY(%s::uuid[])"


def reserve_for_candidates(cursor: Any, indexes: dict[UUID, str]) -> None:
    """Reserve each new candidate's address; one already reserved fails the whole save."""
    subjects = list(indexes)
    try:
        cursor.execute(RESERVE, (Role.CANDIDATE.value, [indexes[s] for s in subjects], subjects))
    except UniqueViolation as exc:  # the transaction is rolled back by the caller
        if "subject_id" in (exc.diag.constraint_name or ""):
            raise  # a stream that exists already: the store's own IntegrityError, as without reservations
        raise CandidateAlreadyRegistered() from None


def release(cursor: Any, subjects: list[UUID]) -> None:
    cursor.execute(RELEASE, (subjects,))


def holder_of(index: str) -> EmailReservation | None:
    return EmailReservation.objects.filter(email_index=index).first()
