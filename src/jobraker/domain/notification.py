"""A notification to a candidate. Its id comes from what caused it, so a redelivered
message that would send it again finds it already sent."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jobraker.domain.personal import Personal
from jobraker.domain.rules import clean_text

NOTIFICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/notification")


def notification_id(cause: str) -> UUID:
    return uuid5(NOTIFICATION_NAMESPACE, cause)


class Notification(Aggregate):
    class Sent(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        kind: str
        message: Personal[str]
        link: str

    class Read(Aggregate.Event):
        pass

    @classmethod
    def send(cls, cause: str, candidate_id: UUID, kind: str, message: str, link: str = "") -> Notification:
        return cls(
            id=notification_id(cause),
            candidate_id=candidate_id,
            kind=clean_text("kind", kind, max_length=40),
            message=clean_text("message", message, max_length=1000),
            link=link,
        )

    @event(Sent)
    def __init__(self, id: UUID, candidate_id: UUID, kind: str, message: str, link: str) -> None:
        self.candidate_id = candidate_id
        self.kind = kind
        self.message = message
        self.link = link
        self.is_read = False

    def mark_read(self) -> None:
        if not self.is_read:
            self._read()

    @event(Read)
    def _read(self) -> None:
        self.is_read = True
