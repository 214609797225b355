"""Caps on long-lived streams, which each hold a server thread while open (gthread workers).

Per candidate, across every server process: leased slots in Redis (``workers/slots.py``), so a
server that dies mid-stream frees its slots when their leases end. Per server process: a share of
its threads (``gunicorn_conf.threads``), so streams can never take the threads that everything
else (``/health/live``, ordinary requests) needs, however many candidates open them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from rest_framework.exceptions import Throttled

from jobraker.api.sse import STREAM_SECONDS
from jobraker.config import get_settings
from jobraker.gunicorn_conf import threads as SERVER_THREADS
from jobraker.workers.slots import Held, LeasedSlots

LEASE_SECONDS = STREAM_SECONDS * 4  # renewed as the stream sends; a silent assistant turn can be long
RENEW_EVERY_SECONDS = 10.0
RETRY_SECONDS = 5


def process_stream_limit() -> int:
    return max(1, math.floor(SERVER_THREADS * get_settings().stream_thread_share))


_process_slots = threading.BoundedSemaphore(process_stream_limit())


@lru_cache(maxsize=1)
def _redis() -> Any:
    from jobraker.components import redis_client

    return redis_client()


def candidate_slots(candidate_id: Any) -> LeasedSlots:
    return LeasedSlots(_redis(), f"jobraker:streams:candidate:{candidate_id}", get_settings().streams_per_candidate,
                       LEASE_SECONDS)


def open_stream_slot(candidate_id: Any) -> Held:
    """A slot for one more stream, or 429 (``Retry-After``) when the candidate or this server is full."""
    slots = candidate_slots(candidate_id)
    held = slots.acquire()
    if not held:
        raise Throttled(wait=max(1, math.ceil(held.wait_ms / 1000)),
                        detail=f"You have {slots.limit} streams open already; close one first.")
    if not _process_slots.acquire(blocking=False):
        slots.release(held)
        raise Throttled(wait=RETRY_SECONDS, detail="This server is holding as many streams as it can; retry shortly.")
    return held


class HeldStream:
    """A stream's events while it holds its slots: renews the lease as it sends and frees both
    slots once, when it ends or when the server closes the response (client gone), even if the
    response was never iterated."""

    def __init__(self, candidate_id: Any, held: Held, events: Iterator[bytes]) -> None:
        self.slots, self.held, self.events = candidate_slots(candidate_id), held, events
        self._released = threading.Lock()
        self._open = True

    def __iter__(self) -> Iterator[bytes]:
        renewed = time.monotonic()
        try:
            for chunk in self.events:
                yield chunk
                if time.monotonic() - renewed >= RENEW_EVERY_SECONDS:
                    self.slots.renew(self.held)
                    renewed = time.monotonic()
        finally:
            self.close()

    def __del__(self) -> None:  # a response dropped without being closed still frees its slots
        self.close()

    def close(self) -> None:
        with self._released:
            if not self._open:
                return
            self._open = False
        try:
            close = getattr(self.events, "close", None)
            if close is not None:
                close()
        finally:
            _process_slots.release()
            self.slots.release(self.held)


def held_while_streaming(candidate_id: Any, held: Held, events: Iterator[bytes]) -> HeldStream:
    return HeldStream(candidate_id, held, events)
