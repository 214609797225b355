"""A stream's history as readers see it: each stored event decoded once, with its metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from jobraker.domain.service import Jobraker

ENVELOPE = ("originator_id", "originator_version", "timestamp")


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
        data={k: v for k, v in vars(event).items() if k not in ENVELOPE},
        event=event,
    )


def history(jobraker: Jobraker, stream: UUID) -> list[HistoryEntry]:
    return [entry(jobraker, stored) for stored in jobraker.recorder.select_events(stream)]
