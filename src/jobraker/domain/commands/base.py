"""The one way a command is carried out: load the aggregate, check the caller's version, run
the business method, save, and return the position of the last stored event (so a client can
ask a later read to wait for the projections). A lost race is retried on fresh state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from jobraker.domain.errors import ConcurrentUpdate, NotFound, StaleVersion

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

# One save of ~4,000 events or more hangs psycopg's pipeline in the recorder
# (see ARCHITECTURE.md, known hazards); bulk work is saved in bounded batches.
MAX_EVENTS_PER_SAVE = 1000


class CommandBase(EventSourcedApplication[UUID]):
    """Load → check version → mutate → save, for every command module."""

    def _get(self, aggregate_id: UUID, *, kind: type[A]) -> A:
        """The aggregate of this kind. An id of another kind is not found either: ids come from
        clients, and one of another aggregate must answer exactly as an unknown one."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound(aggregate_id)
        return aggregate

    def _update(
        self, aggregate_id: UUID, expected_version: int | None, command: Callable[[A], None], *, kind: type[A]
    ) -> int:
        """Load, check the caller's version, run the command, save; retry a lost race once
        when the caller gave no version (the command re-runs on the fresh state)."""
        for _ in range(3 if expected_version is None else 1):
            aggregate = self._get(aggregate_id, kind=kind)
            if expected_version is not None and aggregate.version != expected_version:
                raise StaleVersion(aggregate.version)
            command(aggregate)
            if not aggregate.pending_events:
                return 0
            try:
                return self._save(aggregate)
            except IntegrityError:
                continue
        raise ConcurrentUpdate(aggregate_id)

    def _retrying(self, aggregate_id: UUID, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` (read, decide, save) again on fresh state when its save loses a race,
        for commands that make an aggregate or save several at once; ``_update`` does the same
        for one existing aggregate."""
        for _ in range(3):
            try:
                return attempt()
            except IntegrityError:
                continue
        raise ConcurrentUpdate(aggregate_id)

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
        if not any(a.pending_events for a in aggregates):
            return 0
        recordings = self.save(*aggregates)
        return max(r.notification.id for r in recordings)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True
