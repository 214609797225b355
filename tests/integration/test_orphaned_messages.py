"""Messages a live worker holds but will never finish (its Redis connection dropped) are put
back on their queue once they are long overdue; messages not yet due are left alone."""

from __future__ import annotations

import time
import uuid

import dramatiq

from jobraker.workers.broker import broker
from jobraker.workers.orphans import requeue_orphans

HOUR_MS = 3_600_000


def held_by_a_live_worker(the_broker, delay_ms: int, delayed: bool = True) -> tuple[str, str, str]:
    """A delayed message as a worker's consumer leaves it after fetching it: stored, off its
    queue, in the worker's acknowledgement set. Written in the Redis broker's own layout (a
    queue no worker consumes: a live test worker would pick up a declared one); returns its
    id, its delay queue and the acks key."""
    delay_queue = f"orphans-{uuid.uuid4().hex[:8]}" + (".DQ" if delayed else "")  # not delayed: being processed
    redis_id = str(uuid.uuid4())
    eta = int(time.time() * 1000) + delay_ms
    message = dramatiq.Message(delay_queue, "heartbeat", (0.0,), {}, {"eta": eta, "redis_message_id": redis_id})
    client, namespace = the_broker.client, the_broker.namespace
    client.hset(f"{namespace}:{delay_queue}.msgs", redis_id, message.encode())
    acks = f"{namespace}:__acks__.{uuid.uuid4()}.{delay_queue}"
    client.sadd(acks, redis_id)
    return redis_id, f"{namespace}:{delay_queue}", acks


def test_overdue_held_messages_go_back_and_others_stay():
    the_broker = broker()
    client = the_broker.client
    overdue, overdue_queue, overdue_acks = held_by_a_live_worker(the_broker, delay_ms=10)
    waiting, waiting_queue, waiting_acks = held_by_a_live_worker(the_broker, delay_ms=2 * HOUR_MS)

    requeued = requeue_orphans(the_broker, orphan_after_seconds=60, now=time.time() + 120)

    assert requeued >= 1
    assert client.lrange(overdue_queue, 0, -1) == [overdue.encode()] and not client.sismember(overdue_acks, overdue)
    assert client.lrange(waiting_queue, 0, -1) == [] and client.sismember(waiting_acks, waiting)


def test_a_dropped_delayed_message_comes_back_within_minutes_a_running_one_does_not():
    """A worker moves a due delayed message on within a second, but runs a message for as long
    as its actor takes: only the delayed one is an orphan two minutes after its time."""
    the_broker = broker()
    client = the_broker.client
    delayed, delayed_queue, delayed_acks = held_by_a_live_worker(the_broker, delay_ms=0)
    running, running_queue, running_acks = held_by_a_live_worker(the_broker, delay_ms=0, delayed=False)

    requeue_orphans(the_broker, orphan_after_seconds=1800, now=time.time() + 180, delayed_after_seconds=120)

    assert client.lrange(delayed_queue, 0, -1) == [delayed.encode()] and not client.sismember(delayed_acks, delayed)
    assert client.lrange(running_queue, 0, -1) == [] and client.sismember(running_acks, running)
