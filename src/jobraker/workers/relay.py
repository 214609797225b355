"""The relay: follows the event log with its own position and sends Dramatiq messages
for the events that need a reaction. Delivery is at least once; actors are idempotent."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.projections.base import Projection


class Relay(Projection):
    """No event needs a reaction yet; later actors register their events here."""

    name = "relay"

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Events without a reaction only move the relay's position."""


def relay_projections() -> list[Projection]:
    return [Relay()]
