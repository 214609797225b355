"""Redis going away while a worker moves due delayed messages to their queue (the chaos run's
stalled ``match.DQ``, docs/chaos.md): with Dramatiq's own broker the consumer thread of the
delay queue dies and the process lives on, idle; with Jobraker's broker the thread reconnects
and every message is processed once the scheduler puts back what the worker dropped. The
consumer watch turns a dead consumer thread into a stopped worker process.

Each test runs its own embedded Redis, since it stops it."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import ConnectionClosed
from dramatiq.worker import ConsumerThread
from redis.backoff import NoBackoff
from redis.retry import Retry

from jobraker.runtime import embedded
from jobraker.workers.consumer_watch import ConsumerWatch
from jobraker.workers.orphans import requeue_orphans
from jobraker.workers.redis_broker import ConnectionSafeRedisBroker

DELAYED = 5


class StopRedisOnFirstDueMessage(dramatiq.Middleware):
    """Stops Redis at the worst moment: as the consumer thread enqueues the first due message."""

    def __init__(self, redis_server: embedded.RunningServer) -> None:
        self.redis_server = redis_server
        self.stopped = threading.Event()

    def before_enqueue(self, broker, message, delay):  # type: ignore[no-untyped-def]
        if isinstance(threading.current_thread(), ConsumerThread) and not self.stopped.is_set():
            self.redis_server.stop()
            self.stopped.set()


@pytest.fixture
def data_dir():  # type: ignore[no-untyped-def]
    return Path(tempfile.mkdtemp(prefix="jr-broker-"))  # short: Redis's unix socket path has a limit


def worker_meeting_a_redis_restart(broker_class: type[RedisBroker], data_dir: Path, watch: ConsumerWatch | None = None):  # type: ignore[no-untyped-def]
    """A worker holding ``DELAYED`` delayed messages when Redis stops; returns what it processed,
    the worker, the broker, the middleware and the running Redis."""
    server = embedded.start_redis(data_dir)
    # No client-side retries: the error reaches Dramatiq at once rather than after redis-py's back-off.
    broker = broker_class(url=server.url, retry=Retry(NoBackoff(), 0))
    stopper = StopRedisOnFirstDueMessage(server)
    broker.add_middleware(stopper)
    if watch is not None:
        broker.add_middleware(watch)
    queue, processed = f"q{uuid.uuid4().hex[:8]}", []
    record = dramatiq.actor(processed.append, broker=broker, queue_name=queue, actor_name=f"record_{queue}")
    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    for n in range(DELAYED):
        record.send_with_options(args=(n,), delay=1_500)
    assert stopper.stopped.wait(30), "the delayed messages never came due"
    time.sleep(1.0)  # the consumer thread meets the stopped Redis (or dies of it) meanwhile
    return processed, worker, broker, queue, data_dir


def delay_queue_thread(worker: Worker, queue: str) -> ConsumerThread:
    return worker.consumers[f"{queue}.DQ"]


def test_jobrakers_broker_keeps_the_delay_queue_consumer_and_loses_no_message(data_dir):
    processed, worker, broker, queue, data_dir = worker_meeting_a_redis_restart(ConnectionSafeRedisBroker, data_dir)
    server = embedded.start_redis(data_dir)  # same folder, same socket: the data comes back
    try:
        assert delay_queue_thread(worker, queue).is_alive()
        # What the worker dropped stays in its acknowledgement set: the scheduler's sweep puts it back.
        deadline = time.monotonic() + 30
        while sorted(processed) != list(range(DELAYED)) and time.monotonic() < deadline:
            requeue_orphans(broker, orphan_after_seconds=0)
            time.sleep(0.5)
        assert sorted(processed) == list(range(DELAYED))
        assert all(thread.is_alive() for thread in worker.consumers.values())
    finally:
        worker.stop()
        server.stop()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the thread's death is the point
def test_dramatiqs_own_broker_loses_the_delay_queue_consumer_and_the_watch_sees_it(data_dir):
    """What Jobraker's broker mends (if a Dramatiq upgrade fixes it, this test says so), and the
    watch that would stop such a worker process for its supervisor to start a new one."""
    dead_queues: list[list[str]] = []
    watch = ConsumerWatch(check_seconds=0.1, on_dead=dead_queues.append)
    processed, worker, broker, queue, data_dir = worker_meeting_a_redis_restart(RedisBroker, data_dir, watch)
    server = embedded.start_redis(data_dir)
    try:
        assert not delay_queue_thread(worker, queue).is_alive()
        assert dead_queues == [[f"{queue}.DQ"]]
        requeue_orphans(broker, orphan_after_seconds=0)
        time.sleep(2)
        assert processed == []  # back on the delay queue, which nothing reads any more
    finally:
        worker.stop()
        server.stop()


def test_every_call_a_consumer_thread_makes_reports_redis_away_as_a_connection_loss():
    broker = ConnectionSafeRedisBroker(url="redis://127.0.0.1:9/0", socket_connect_timeout=0.5,
                                       retry=Retry(NoBackoff(), 0))  # port 9: discard, closed
    message = dramatiq.Message("q", "a", (), {}, {})
    with pytest.raises(ConnectionClosed):
        broker.enqueue(message)
    consumer = broker.consume("q")
    with pytest.raises(ConnectionClosed):
        next(consumer)
    proxy = dramatiq.MessageProxy(message.copy(options={"redis_message_id": "x"}))
    for call in (consumer.ack, consumer.nack, lambda m: consumer.requeue([m])):
        with pytest.raises(ConnectionClosed):
            call(proxy)
