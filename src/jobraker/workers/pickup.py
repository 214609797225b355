"""Every queued application is taken up again within a minute of any crash.

A queued application has one *owner message* at a time, named in a Redis key with a lease (a
promise that this message will handle it by then). A worker taking a message claims the key
for it; when the message is put back for later (``dramatiq.Retry``: a full Skyvern, a daily
cap, Skyvern's 429) the promise is pushed back to that moment plus a grace period. When the
promise lapses — the worker died, Redis lost the delayed message, an error put the message
on a long back-off — the scheduler sends a new message that becomes the owner
(``resend_unattended``), unless the relay has not yet read the application's queueing (its
message is still to come) or a message for it waits in the queue or the delay queue. A message
that finds another one owning its application steps aside, so the resent messages never pile
up; a resent message not yet taken by a worker is a weaker owner that any message reaching a
worker first takes over, so a resend never makes an application wait longer. Submitting stays idempotent either way
(appliers/submit.py): this is about promptness, not safety.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import redis
import structlog
from dramatiq.middleware import CurrentMessage

log = structlog.get_logger(__name__)

KEY = "jobraker:apply:owner:{}"
RESEND_BATCH = 1000

GIVEN = "queued:"  # the owner named by a resend, before any worker has taken it
# KEYS[1] the owner key; ARGV: message id, lease (ms). Claims a free key or one only given,
# renews our own; returns 0 when another message a worker took owns it.
CLAIM = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and string.sub(owner, 1, 7) ~= 'queued:' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# Drops the key if this message still owns it: done, the next message (say, the application
# queued again after a question was answered) need not wait for the promise to lapse.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _grace() -> float:
    from jobraker.config import get_settings

    return get_settings().queued_pickup_seconds


class Owners:
    def __init__(self, client: redis.Redis, grace_seconds: float) -> None:
        self.client, self.grace = client, grace_seconds
        self._claim = client.register_script(CLAIM)
        self._release = client.register_script(RELEASE)

    def claim(self, application_id: str, message_id: str, seconds: float | None = None) -> bool:
        """Make (or keep) ``message_id`` the owner for ``seconds`` (default: the grace period)."""
        lease_ms = int(1000 * (seconds if seconds is not None else self.grace))
        return bool(self._claim(keys=[KEY.format(application_id)], args=[message_id, max(1, lease_ms)]))

    def release(self, application_id: str, message_id: str) -> None:
        self._release(keys=[KEY.format(application_id)], args=[message_id])

    def give(self, application_id: str, message_id: str) -> None:
        """A new message takes over (the previous owner's promise lapsed)."""
        self.client.set(KEY.format(application_id), GIVEN + message_id, px=int(self.grace * 1000))

    def unowned(self, application_ids: list[str]) -> list[str]:
        pipe = self.client.pipeline(transaction=False)
        for application_id in application_ids:
            pipe.exists(KEY.format(application_id))
        return [a for a, owned in zip(application_ids, pipe.execute(), strict=True) if not owned]


def owners() -> Owners:
    from jobraker.components import redis_client

    return Owners(redis_client(), _grace())


def owned_submission(actor_fn: Callable[..., None]) -> Callable[..., None]:
    """Wraps ``submit_application``: claim the application for this message (or step aside), and
    push the promise back to when a ``dramatiq.Retry`` will bring the message back."""

    @functools.wraps(actor_fn)
    def wrapper(application_id: str, *args: Any) -> None:
        message = CurrentMessage.get_current_message()
        if message is None:  # called directly (tests, shell): no broker, nothing to own
            return actor_fn(application_id, *args)
        the_owners = owners()
        if not the_owners.claim(application_id, message.message_id):
            log.info("submission_message_stepped_aside", application_id=application_id, message_id=message.message_id)
            return None
        try:
            actor_fn(application_id, *args)
        except dramatiq.Retry as retry:
            delay = (retry.delay or 0) / 1000
            the_owners.claim(application_id, message.message_id, delay + the_owners.grace)
            raise
        # (Any other error keeps the promise: it lapses if Dramatiq's back-off outlasts it.)
        the_owners.release(application_id, message.message_id)
        return None

    return wrapper


def renew_owner(application_id: str) -> Callable[[], None]:
    """For the renewal thread while a submission runs (appliers/leases.py)."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return lambda: None
    the_owners = owners()
    return lambda: the_owners.claim(application_id, message.message_id)


def resend_unattended(now: datetime) -> int:
    """Queued for longer than the grace period, already read by the relay, with no owner and no
    message waiting: send a new message that owns it."""
    from jobraker.domain.application import Status
    from jobraker.projections.models import ApplicationRecord, ProjectionPosition
    from jobraker.workers.actors import submit_application
    from jobraker.workers.relay import Relay

    the_owners = owners()
    cutoff = now - timedelta(seconds=the_owners.grace)
    relay = ProjectionPosition.objects.filter(name=Relay.name).values_list("position", flat=True).first() or 0
    queued = ApplicationRecord.objects.filter(status=Status.QUEUED.value, updated_at__lt=cutoff, position__lte=relay)
    ids = [str(a) for a in queued.order_by("updated_at").values_list("id", flat=True)[:RESEND_BATCH]]
    waiting = waiting_messages(submit_application.broker, now.timestamp(), the_owners.grace)
    resent = 0
    for application_id in the_owners.unowned([a for a in ids if a not in waiting]):
        message = submit_application.message(application_id, f"resend:{application_id}")
        the_owners.give(application_id, message.message_id)
        submit_application.broker.enqueue(message)
        resent += 1
    if resent:
        log.info("queued_submissions_resent", count=resent)
    return resent


def waiting_messages(broker: Any, now: float, grace_seconds: float) -> set[str]:
    """Applications with a submit message that will run by itself soon: ready in the apply queue,
    or delayed and due within ``grace_seconds`` either side of now (one due longer ago is a dead
    or disconnected worker's: workers/orphans.py). Read from Dramatiq's Redis layout: ``{ns}:apply`` lists the
    ready messages' ids, ``{ns}:{queue}.msgs`` holds every unacknowledged message."""
    from jobraker.workers.orphans import due_ms

    client, namespace = broker.client, broker.namespace
    ready = client.lrange(f"{namespace}:apply", 0, -1)
    bodies = client.hmget(f"{namespace}:apply.msgs", ready) if ready else []
    waiting = {json.loads(body)["args"][0] for body in bodies if body}
    since_ms, until_ms = (now - grace_seconds) * 1000, (now + grace_seconds) * 1000
    for body in client.hvals(f"{namespace}:apply.DQ.msgs"):
        message = json.loads(body)
        if since_ms <= due_ms(message) <= until_ms:  # (one due later: an error's long back-off)
            waiting.add(message["args"][0])
    return waiting
