"""The scheduler: sends periodic messages (one process in the deployment)."""

from __future__ import annotations

import threading
import time

import structlog

log = structlog.get_logger(__name__)

HEARTBEAT_SECONDS = 60.0


def run_scheduler(stop: threading.Event) -> None:
    from jobraker.workers.actors import heartbeat

    while not stop.is_set():
        heartbeat.send(time.time())
        log.info("scheduled", actor="heartbeat")
        stop.wait(HEARTBEAT_SECONDS)
