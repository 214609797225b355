"""Dramatiq's Redis broker, reporting Redis being away the same way on every path a worker takes.

Dramatiq 2.2's Redis consumer turns ``redis.ConnectionError`` into its own ``ConnectionClosed``
on fetch, ack and nack, which the worker's consumer thread survives (it drops what it held and
reconnects). ``enqueue`` and the consumer's ``requeue`` raise the raw Redis error instead, and
both run inside that thread: a delayed message coming due while Redis restarts is enqueued
raw, the thread takes it as an unexpected error, tries to put back its other delayed messages,
meets the raw error again outside any handler and dies, while the process lives on. Its queue
(``match.DQ`` in the chaos run of docs/chaos.md) is then never read again. ``redis.TimeoutError``
is not a ``ConnectionError`` in redis-py, so a stalled socket is the same story (Dramatiq issue
#894). Here every such error is Dramatiq's connection error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import redis
from dramatiq import Consumer, Message, MessageProxy
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import ConnectionClosed

REDIS_AWAY = (redis.ConnectionError, redis.TimeoutError)


@contextmanager
def redis_away_as_connection_closed() -> Iterator[None]:
    try:
        yield
    except REDIS_AWAY as exc:
        raise ConnectionClosed(exc) from None


class ConnectionSafeRedisBroker(RedisBroker):
    def enqueue(self, message: Message, *, delay: int | None = None) -> Message:
        with redis_away_as_connection_closed():
            return super().enqueue(message, delay=delay)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        return ConnectionSafeConsumer(super().consume(queue_name, prefetch, timeout))


class ConnectionSafeConsumer(Consumer):
    """Dramatiq's Redis consumer with every call's Redis error reported as a connection loss."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer

    def __next__(self) -> MessageProxy | None:
        with redis_away_as_connection_closed():
            return next(self.consumer)

    def ack(self, message: MessageProxy) -> None:
        with redis_away_as_connection_closed():
            self.consumer.ack(message)

    def nack(self, message: MessageProxy) -> None:
        with redis_away_as_connection_closed():
            self.consumer.nack(message)

    def requeue(self, messages: Iterable[MessageProxy]) -> None:
        with redis_away_as_connection_closed():
            self.consumer.requeue(messages)

    def close(self) -> None:
        with redis_away_as_connection_closed():
            self.consumer.close()

    def __getattr__(self, name: str) -> Any:  # what else the worker reads (prefetch counts)
        return getattr(self.consumer, name)
