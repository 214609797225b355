"""Staff and auditors reading a candidate's personal data leave a trace of their own."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


class DataAccess(Aggregate):
    class Recorded(Aggregate.Created):
        subject_id: UUID
        reader_id: UUID
        role: str
        what: str

    @classmethod
    def record(cls, subject_id: UUID, reader_id: UUID, role: str, what: str) -> DataAccess:
        return cls(id=uuid4(), subject_id=subject_id, reader_id=reader_id, role=role, what=what[:200])

    @event(Recorded)
    def __init__(self, id: UUID, subject_id: UUID, reader_id: UUID, role: str, what: str) -> None:
        self.subject_id = subject_id
        self.reader_id = reader_id
        self.role = role
        self.what = what
