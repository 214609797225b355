"""The Redis broker shared by every actor and the relay."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage, Retries

from jobraker.components import components, required_redis_url
from jobraker.config import Settings, get_settings
from jobraker.workers.redis_broker import ConnectionSafeRedisBroker
from jobraker.workers.retry_log import RetryLog


class DatabaseConnections(dramatiq.Middleware):
    """Django renews unusable or expired connections per request; a worker's unit of work is a
    message. Without this a worker whose database restarted keeps a dead connection forever."""

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        from django.db import close_old_connections

        close_old_connections()

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        from django.db import close_old_connections

        close_old_connections()

    after_skip_message = after_process_message


def broker() -> RedisBroker:
    """The process's broker, which actors declared without one use (built by the composition root)."""
    return components().broker


def new_broker(settings: Settings | None = None) -> RedisBroker:
    """A broker with Jobraker's middleware; tests with a worker of their own use a fresh one
    (a stopped dramatiq Worker leaves its middleware on the broker it ran on)."""
    settings = settings or get_settings()
    # A killed worker's unacknowledged messages are requeued once its heartbeat is older than
    # heartbeat_timeout, checked during maintenance (that share per million of broker commands).
    instance = ConnectionSafeRedisBroker(url=required_redis_url(settings),
                                         heartbeat_timeout=settings.broker_heartbeat_timeout_ms,
                                         maintenance_chance=settings.broker_maintenance_chance)
    instance.add_middleware(DatabaseConnections())

    instance.add_middleware(CurrentMessage())  # lets an actor see its retry count to back off
    # "after" hooks run in reverse order: placed before Retries, it sees the attempt Retries counted and decided.
    instance.add_middleware(RetryLog(), before=Retries)
    return instance

