"""A stream's history as readers see it: each stored event decoded once, with its metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from jobraker.domain.service import Jobraker

ENVELOPE = ("originator_id", "originator_version", "timestamp")
# Never shown to a reader (staff, auditor, or the candidate's own export): a password hash
# lets whoever holds it guess the password offline. It stays encrypted in the log.
SECRET_FIELDS = frozenset({"password_hash"})
WITHHELD = "(withheld: secret)"


def without_secrets(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: WITHHELD if k in SECRET_FIELDS and isinstance(v, str) else v for k, v in fields.items()}


@dataclass(frozen=True)
class HistoryEntry:
    stream: UUID
    version: int
    type: str
    at: datetime
    metadata: dict[str, Any]
    data: dict[str, Any]  # the event's own fields, personal ones decrypted (or ERASED)
    event: Any


def entry(jobraker: Jobraker, stored: Any) -> HistoryEntry:
    event = jobraker.mapper.to_domain_event(stored)
    return HistoryEntry(
        stream=stored.originator_id,
        version=stored.originator_version,
        type=type(event).__qualname__,
        at=event.timestamp,
        metadata=jobraker.mapper.metadata_of(stored),  # type: ignore[attr-defined]
        data=without_secrets({k: v for k, v in vars(event).items() if k not in ENVELOPE}),
        event=event,
    )


def history(jobraker: Jobraker, stream: UUID) -> list[HistoryEntry]:
    return [entry(jobraker, stored) for stored in jobraker.recorder.select_events(stream)]
