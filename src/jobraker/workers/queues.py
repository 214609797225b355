"""Dramatiq's queues as they stand in Redis, and what staff may do with dead letters.

The Redis broker's layout (dramatiq/brokers/redis/dispatch.lua), for namespace N and queue Q:
``N:Q`` the ready list and ``N:Q.msgs`` the messages (ready or in flight); ``N:Q.DQ`` and
``N:Q.DQ.msgs`` the same for delayed messages (retries wait there for their eta); ``N:Q.XQ``
a sorted set of dead-lettered ids (scored by when they died) and ``N:Q.XQ.msgs`` their bodies.
Queues are read from Redis, not from the actors this process happens to have imported (the
web process imports none, which left the Operations page's table empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import q_name

# Options a retried dead letter starts afresh without: its attempts, last traceback, timings.
FRESH_START = ("retries", "traceback", "requeue_timestamp", "eta", "redis_message_id")


@dataclass(frozen=True)
class QueueRow:
    name: str
    ready: int
    delayed: int
    dead: int


def queue_names(broker: RedisBroker) -> list[str]:
    names = {q_name(name) for name in broker.get_declared_queues()}
    prefix = f"{broker.namespace}:"
    for key in broker.client.scan_iter(match=prefix + "*", count=500):
        name = key.decode().removeprefix(prefix)
        if name.startswith("__"):  # __acks__.*, __heartbeats__: the broker's bookkeeping
            continue
        names.add(q_name(name.removesuffix(".msgs")))
    return sorted(names)


def queue_table(broker: RedisBroker) -> list[QueueRow]:
    names = queue_names(broker)
    pipe = broker.client.pipeline(transaction=False)
    for name in names:
        key = f"{broker.namespace}:{name}"
        pipe.llen(key).hlen(f"{key}.DQ.msgs").zcard(f"{key}.XQ")
    counts = pipe.execute()
    return [QueueRow(name, *counts[3 * i: 3 * i + 3]) for i, name in enumerate(names)]


def is_queue(broker: RedisBroker, name: str) -> bool:
    return name in queue_names(broker)


def retry_dead_letters(broker: RedisBroker, queue: str) -> int:
    """Put every dead letter of ``queue`` back on it with a fresh count of attempts."""
    retried = 0
    for _message_id, body in _take_dead_letters(broker, queue):
        message = Message.decode(body)
        options = {k: v for k, v in message.options.items() if k not in FRESH_START}
        broker.enqueue(message._replace(queue_name=q_name(message.queue_name), options=options))
        retried += 1
    return retried


def drop_dead_letters(broker: RedisBroker, queue: str) -> int:
    return sum(1 for _ in _take_dead_letters(broker, queue))


def _take_dead_letters(broker: RedisBroker, queue: str):  # type: ignore[no-untyped-def]
    """Each dead letter once, even with two staff members clicking at once: whoever removes the
    id from the sorted set owns it."""
    key = f"{broker.namespace}:{queue}.XQ"
    for message_id in broker.client.zrange(key, 0, -1):
        body = broker.client.hget(f"{key}.msgs", message_id)
        if broker.client.zrem(key, message_id):
            broker.client.hdel(f"{key}.msgs", message_id)
            if body is not None:
                yield message_id, body
