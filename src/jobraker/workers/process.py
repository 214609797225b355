"""What `jobraker worker` loads into each Dramatiq worker process: the actors, and the watch
that stops the process when one of its consumer threads died (workers/consumer_watch.py).
Tests that run a worker in their own process import the actors alone: a dead consumer there
fails the test instead of stopping the test run."""

from jobraker.workers import actors  # noqa: F401  (declares the actors on the broker)
from jobraker.workers.broker import broker
from jobraker.workers.consumer_watch import ConsumerWatch

broker().add_middleware(ConsumerWatch())
