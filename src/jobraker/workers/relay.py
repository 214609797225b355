"""The relay: follows the event log with its own position and sends Dramatiq messages
for the events that need a reaction. Delivery is at least once; actors are idempotent."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.projections.base import Projection


class Relay(Projection):
    """No event needs a reaction yet; later actors register their events here."""

    name = "relay"

    def reset(self) -> None:
        """The relay keeps no rows; rebuilding it would resend every message, so it is refused."""
        raise RuntimeError("the relay is not rebuilt: replaying it would send every message again")

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Events without a reaction only move the relay's position."""


def relay_projections() -> list[Projection]:
    return [Relay()]
