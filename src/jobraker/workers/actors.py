"""Dramatiq actors. Run with ``jobraker worker``.

Every actor is idempotent under redelivery: the aggregates' state and versions,
not the broker, decide whether a message still has work to do.
"""

from __future__ import annotations

import time

import dramatiq
import structlog

from jobraker.bootstrap import setup_django
from jobraker.workers.broker import broker, redis_client

setup_django()
broker()
log = structlog.get_logger(__name__)

HEARTBEAT_KEY = "jobraker:worker:heartbeat"


@dramatiq.actor(max_retries=0, queue_name="default")
def heartbeat(sent_at: float) -> None:
    """Proves the scheduler → broker → worker path is alive; readiness can read the key."""
    redis_client().set(HEARTBEAT_KEY, time.time(), ex=300)
    log.info("heartbeat", delay=round(time.time() - sent_at, 3))
