"""Messages a live worker holds but will never finish, put back on their queue.

Dramatiq's Redis consumer keeps the delayed messages it has fetched in memory until they are
due; when its connection to Redis drops (a Redis restart, a failover) it throws them away and
reconnects (dramatiq 2.x, ``worker.ConsumerThread.run``). A message it processed but could not
acknowledge for the same reason is left behind too. Both stay in the worker's acknowledgement
set, which Dramatiq returns to the queue only once the worker is dead; a worker that reconnected
keeps them for ever. Every actor is idempotent, so the scheduler puts back any message still
held long after it was due (the chaos run found this: docs/chaos.md).
"""

from __future__ import annotations

import json
import time

import structlog
from dramatiq.brokers.redis import RedisBroker

log = structlog.get_logger(__name__)


def requeue_orphans(broker: RedisBroker, orphan_after_seconds: float, now: float | None = None,
                    delayed_after_seconds: float | None = None) -> int:
    """Put back every held message due more than ``orphan_after_seconds`` ago (a message of a
    delay queue: ``delayed_after_seconds``, when shorter); return how many.

    A running message is held until it finishes (an actor may run for minutes), but a live
    worker moves a due delayed message to its queue within a second, so a delayed one held
    long past its time was dropped and may come back much sooner."""
    now = now or time.time()
    delayed_after_seconds = min(orphan_after_seconds, delayed_after_seconds or orphan_after_seconds)
    client, namespace, requeued = broker.client, broker.namespace, 0
    for acks_key in client.scan_iter(f"{namespace}:__acks__.*"):
        queue_name = _queue_of(acks_key.decode(), namespace)
        after = delayed_after_seconds if queue_name.endswith(".DQ") else orphan_after_seconds
        cutoff_ms = (now - after) * 1000
        for message_id in client.smembers(acks_key):
            raw = client.hget(f"{namespace}:{queue_name}.msgs", message_id)
            if raw is not None and due_ms(json.loads(raw)) < cutoff_ms:
                # Atomic: leave the acknowledgement set and join the queue together.
                client.pipeline().srem(acks_key, message_id).rpush(f"{namespace}:{queue_name}", message_id).execute()
                requeued += 1
    if requeued:
        log.warning("orphaned_messages_requeued", count=requeued)
    return requeued


def _queue_of(acks_key: str, namespace: str) -> str:
    """``{namespace}:__acks__.{worker id}.{queue}``; a queue name may hold dots (``apply.DQ``)."""
    return acks_key.removeprefix(f"{namespace}:__acks__.").split(".", 1)[1]


def due_ms(message: dict) -> float:
    options = message.get("options", {})
    return max(message.get("message_timestamp", 0), options.get("eta", 0), options.get("requeue_timestamp", 0))
