"""Who caused the events being written now: correlation, causation and actor.

The API sets these per request (the request id becomes the correlation id), a
worker sets them per message; the mapper copies them into every stored event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Causation:
    correlation_id: str
    causation_id: str | None = None
    actor: str = "system"

    def as_metadata(self) -> dict[str, str | None]:
        # Not dataclasses.asdict: it deep-copies, and this runs for every event stored.
        return {"correlation_id": self.correlation_id, "causation_id": self.causation_id, "actor": self.actor}


_current: ContextVar[Causation | None] = ContextVar("jobraker_causation", default=None)


def current() -> Causation:
    """The causation in force, or a fresh one for work no request or message started."""
    return _current.get() or Causation(correlation_id=str(uuid.uuid4()))


@contextmanager
def caused_by(
    correlation_id: str, causation_id: str | None = None, actor: str = "system"
) -> Iterator[Causation]:
    token = _current.set(Causation(correlation_id, causation_id, actor))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


@contextmanager
def one_cause() -> Iterator[Causation]:
    """The causation in force, or one fresh one shared by all the events of a save that no
    request or message started (rather than a new correlation id for each event)."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    with caused_by(correlation_id=str(uuid.uuid4())) as fresh:
        yield fresh


@contextmanager
def acting_as(actor: str) -> Iterator[Causation]:
    """Keep the correlation in force but name who is acting (candidate, staff, system)."""
    token = _current.set(replace(current(), actor=actor))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)
