"""Lanes: which projections the projector advances together, each lane in its own thread.

Every projection is a lane of its own, so a slow one (a burst of listings for the jobs read
model, a failing event waiting for its retry) never holds another: the candidates projection,
which login needs, keeps its lag whatever the others do. A projection may name a shared lane
(``Projection.lane``) when two read models must change together; none does today: each always
committed its batches in its own transaction, so readers never relied on two moving at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import structlog
from django.db import close_old_connections, connection

log = structlog.get_logger(__name__)

LOOK_AT_LEAST_EVERY = 30.0  # seconds, however quiet the log


def lanes_of(projections: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """The projections grouped by lane, in the order first named."""
    lanes: dict[str, list[Any]] = {}
    for projection in projections:
        lanes.setdefault(getattr(projection, "lane", None) or projection.name, []).append(projection)
    return list(lanes.items())


class Lane:
    """A thread that catches its runner up each time it is woken (and at least every
    ``LOOK_AT_LEAST_EVERY`` seconds), with its own database connection."""

    def __init__(self, runner: Any, name: str, stop: threading.Event, poll_seconds: float) -> None:
        self.runner, self.name, self.stop, self.poll_seconds = runner, name, stop, poll_seconds
        self._woken = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lane-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._woken.set()

    def due(self, head: int) -> bool:
        """Whether a look could find work at this ``head``: the log moved past where the lane last
        caught up, or it may have work anyway (a retry waits, it has hooks to run)."""
        return self.runner.idle_at != head

    def join(self, timeout: float = 30.0) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                # The listener wakes the lane (run_forever); the timeout is only a safety net
                # (a position moved back by hand is found then, too).
                self._woken.wait(LOOK_AT_LEAST_EVERY)
                self._woken.clear()
                if self.stop.is_set():
                    return
                self._catch_up()
        finally:
            connection.close()  # this thread's own connection

    def _catch_up(self) -> None:
        try:
            self.runner.catch_up()
        except Exception:
            # A projection failing on an event is handled inside catch_up; what arrives here is
            # the database going away (or a hook failing). Keep following (the lag shows in
            # /health/ready) rather than die, and try again shortly.
            log.exception("projection_failed", lane=self.name)
            close_old_connections()  # a connection the database dropped is opened anew
            self.stop.wait(self.poll_seconds)
