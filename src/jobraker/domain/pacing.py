"""Per-company pacing: at most N applications per candidate to one company in 30 days.

One small aggregate per candidate and company counts the applications Jobraker queued or
prepared for that company, and when. Saving it in the same transaction as the application
it counts makes the limit hold across workers: two matches racing for the last place both
load the same version, and only one save wins (optimistic concurrency); the loser decides
again on the fresh count.

The company's name is not stored: it only goes into the aggregate's id (a name-based UUID),
so the events hold ids and times alone.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jobraker.domain.automation import PACING_WINDOW
from jobraker.domain.errors import DomainError

PACING_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/company-pacing")


class CompanyLimitReached(DomainError):
    """The candidate's applications to this company in the window already reach the limit."""


def company_key(company: str) -> str:
    """One company however its listings spell it: case and spacing do not matter."""
    return " ".join(company.casefold().split())


def pacing_id(candidate_id: UUID, company: str) -> UUID:
    return uuid5(PACING_NAMESPACE, f"{candidate_id}:{company_key(company)}")


class CompanyPacing(Aggregate):
    """When Jobraker queued or prepared each of one candidate's applications to one company."""

    class Opened(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID

    class Counted(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        application_id: UUID
        at: datetime

    @classmethod
    def open(cls, candidate_id: UUID, company: str) -> CompanyPacing:
        return cls(id=pacing_id(candidate_id, company), candidate_id=candidate_id)

    @event(Opened)
    def __init__(self, id: UUID, candidate_id: UUID) -> None:  # noqa: A002 (the library's name for the id)
        self.candidate_id = candidate_id
        self.counted: dict[UUID, datetime] = {}

    def within_window(self, now: datetime) -> int:
        """Applications counted in the window that ends now."""
        since = now - PACING_WINDOW
        return sum(since < at <= now for at in self.counted.values())

    def count(self, application_id: UUID, now: datetime, limit: int | None) -> None:
        """Count one application (once: counting it again changes nothing). ``limit`` None counts
        without refusing: the candidate's own "apply now" is theirs to decide, but it still counts."""
        if application_id in self.counted:
            return
        if limit is not None and self.within_window(now) >= limit:
            raise CompanyLimitReached(f"{limit} applications to this company in the last {PACING_WINDOW.days} days")
        self._counted(candidate_id=self.candidate_id, application_id=application_id, at=now)

    @event(Counted)
    def _counted(self, candidate_id: UUID, application_id: UUID, at: datetime) -> None:
        self.counted[application_id] = at
