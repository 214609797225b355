"""Leases a worker holds while it submits, renewed by a heartbeat thread while it lives.

A SIGKILLed worker runs no ``finally``: what it held must end by itself. So the submission
(``jobraker:submission:lease:<application>``), the Skyvern slot (workers/slots.py) and the
queued application's owner message (workers/pickup.py) are leases of a few seconds that a
thread of the live worker renews every third of the submission lease. When the worker dies
they lapse: its slot comes back, and an application it left *submitting* with no run id goes
to review within ``JOBRAKER_SUBMISSION_LEASE_SECONDS`` plus one reconcile period
(``flag_stuck_submissions``), instead of waiting a quarter of an hour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from uuid import UUID

import redis
import structlog

log = structlog.get_logger(__name__)

KEY = "jobraker:submission:lease:{}"


class SubmissionLeases:
    def __init__(self, client: redis.Redis, seconds: float) -> None:
        self.client, self.seconds = client, seconds

    def take(self, application_id: UUID) -> None:
        self.client.set(KEY.format(application_id), 1, px=max(1, int(self.seconds * 1000)))

    renew = take

    def drop(self, application_id: UUID) -> None:
        self.client.delete(KEY.format(application_id))

    def live(self, application_ids: Iterable[UUID]) -> set[UUID]:
        ids = list(application_ids)
        pipe = self.client.pipeline(transaction=False)
        for application_id in ids:
            pipe.exists(KEY.format(application_id))
        return {a for a, held in zip(ids, pipe.execute(), strict=True) if held}


def submission_leases() -> SubmissionLeases:
    from jobraker.components import redis_client
    from jobraker.config import get_settings

    return SubmissionLeases(redis_client(), get_settings().submission_lease_seconds)


@contextmanager
def renewed_every(seconds: float, renewals: list[Callable[[], object]]) -> Iterator[None]:
    """Call each renewal every ``seconds`` in a daemon thread until the block ends. A failed
    renewal (Redis restarting) is logged and tried again next time: the leases outlast two misses."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(seconds):
            for renew in renewals:
                try:
                    renew()
                except Exception as exc:  # noqa: BLE001 - a heartbeat must keep beating
                    log.warning("lease_renewal_failed", error=type(exc).__name__)

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def submitting(application_id: UUID, *also_renew: Callable[[], object], shortest_lease: float | None = None) -> Iterator[None]:
    """Hold the submission's lease (and renew ``also_renew``: the slot, the owner message, whose
    shortest lease is ``shortest_lease``) while the block runs; drop it at the end. The lease is
    on record before Skyvern is called."""
    leases = submission_leases()
    leases.take(application_id)
    every = min(leases.seconds, shortest_lease or leases.seconds) / 3
    try:
        with renewed_every(every, [lambda: leases.renew(application_id), *also_renew]):
            yield
    finally:
        try:
            leases.drop(application_id)
        except redis.RedisError:  # it lapses by itself
            pass
