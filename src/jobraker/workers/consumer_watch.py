"""A worker process whose consumer thread died stops, so its supervisor starts a whole one.

A Dramatiq worker reads each queue in a consumer thread; an exception that escapes one ends
that thread alone and the process carries on, idle for that queue, with nothing in the logs
after the traceback (redis_broker.py mends the one way the chaos run found). Stopping the
process instead hands its unfinished messages back (Dramatiq requeues them at shutdown or when
its heartbeat lapses) and lets `jobraker up`, Docker or systemd start a fresh worker.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

import dramatiq
import structlog

log = structlog.get_logger(__name__)

CHECK_SECONDS = 5.0


class ConsumerWatch(dramatiq.Middleware):
    def __init__(self, check_seconds: float = CHECK_SECONDS,
                 on_dead: Callable[[list[str]], object] | None = None) -> None:
        self.check_seconds = check_seconds
        self.on_dead = on_dead or _stop_this_process
        self.stopping = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stopping.clear()
        threading.Thread(target=self._watch, args=(worker,), name="consumer-watch", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stopping.set()

    def _watch(self, worker: dramatiq.Worker) -> None:
        while not self.stopping.wait(self.check_seconds):
            dead = sorted(queue for queue, thread in worker.consumers.items() if not thread.is_alive())
            if dead and not self.stopping.is_set():
                log.critical("worker_consumer_died", queues=dead, action="stopping this worker process")
                self.on_dead(dead)
                return


def _stop_this_process(dead_queues: list[str]) -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # Dramatiq's own graceful stop; its parent then exits too
