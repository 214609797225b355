"""The candidate: a person looking for work, from registration to erasure."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import InvalidValue
from jobraker.domain.personal import ERASED, Personal
from jobraker.domain.rules import clean_text


class Candidate(Aggregate):
    """A candidate's lifecycle. Personal fields are encrypted with the candidate's own key."""

    class Registered(Aggregate.Created):
        email: Personal[str]
        name: Personal[str]
        password_hash: Personal[str]

    class ErasureCompleted(Aggregate.Event):
        """The candidate's data key was destroyed; their personal fields now read as erased."""

    @classmethod
    def register(cls, id: UUID, email: str, name: str, password_hash: str) -> Candidate:
        if "@" not in email:
            raise InvalidValue("email must be an e-mail address")
        return cls(
            id=id,
            email=clean_text("email", email, max_length=254),
            name=clean_text("name", name, max_length=200),
            password_hash=password_hash,
        )

    @event(Registered)
    def __init__(self, id: UUID, email: str, name: str, password_hash: str) -> None:
        self.email = email
        self.name = name
        self.password_hash = password_hash
        self.is_erased = False

    @event(ErasureCompleted)
    def complete_erasure(self) -> None:
        self.email = self.name = self.password_hash = ERASED
        self.is_erased = True
