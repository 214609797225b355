"""The application service: the commands Jobraker accepts, each one a small transaction.

Every command returns the position of its last stored event, so a client can
ask a later read to wait until the projections have caught up with it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from jobraker.domain.candidate import Candidate

# Namespace of candidate ids; the name inside it is a keyed digest of the e-mail address,
# so the id reveals nothing without the key, and registering twice is refused by the store.
CANDIDATE_NAMESPACE = UUID("0f8d7c52-4a0e-4d8b-9d3e-2b8c4c1e7a11")

# One save of ~4,000 events or more hangs psycopg's pipeline in the recorder
# (see ARCHITECTURE.md, known hazards); bulk work is saved in bounded batches.
MAX_EVENTS_PER_SAVE = 1000


class CandidateAlreadyRegistered(Exception):
    """A candidate with this e-mail address already exists."""


class Jobraker(Application[UUID]):
    """Jobraker's write side: commands in, events stored."""

    name = "jobraker"

    def __init__(self, env: dict[str, str] | None = None, *, identity_key: bytes = b"") -> None:
        self._identity_key = identity_key
        super().__init__(env)

    def candidate_id_for(self, email: str) -> UUID:
        digest = hmac.new(self._identity_key, normalise_email(email).encode(), hashlib.sha256)
        return uuid5(CANDIDATE_NAMESPACE, digest.hexdigest())

    def register_candidate(self, email: str, name: str, password_hash: str) -> tuple[UUID, int]:
        candidate = Candidate.register(
            id=self.candidate_id_for(email),
            email=normalise_email(email),
            name=name,
            password_hash=password_hash,
        )
        try:
            return candidate.id, self._save(candidate)
        except IntegrityError:
            raise CandidateAlreadyRegistered(email) from None

    def get_candidate(self, candidate_id: UUID) -> Candidate:
        return self.repository.get(candidate_id)

    def save_in_batches(self, aggregates: Iterable[Any]) -> int:
        """Save many aggregates, at most MAX_EVENTS_PER_SAVE events per transaction.

        Each aggregate's events stay together in one save; the batches are not
        atomic with each other, so callers must be safe to retry (ids are deterministic).
        """
        batch: list[Any] = []
        pending = 0
        position = 0
        for aggregate in aggregates:
            count = len(aggregate.pending_events)
            if batch and pending + count > MAX_EVENTS_PER_SAVE:
                position = self._save(*batch)
                batch, pending = [], 0
            batch.append(aggregate)
            pending += count
        if batch:
            position = self._save(*batch)
        return position

    def _save(self, *aggregates: Any) -> int:
        recordings = self.save(*aggregates)
        return max(r.notification.id for r in recordings)


def normalise_email(email: str) -> str:
    return email.strip().lower()
