"""Dramatiq actors. Run with ``jobraker worker``.

Every actor is idempotent under redelivery: the aggregates' state and versions,
not the broker, decide whether a message still has work to do.
"""

from __future__ import annotations

import time
from uuid import UUID

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


@dramatiq.actor(max_retries=5, min_backoff=1_000, queue_name="default")
def notify_application_change(application_id: str, version: int, correlation_id: str) -> None:
    """Tell the candidate their application moved. Idempotent: the notification's id comes
    from (application, version), so a redelivery finds it already sent."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by

    jobraker = get_jobraker()
    with caused_by(correlation_id, causation_id=f"{application_id}:{version}", actor="system"):
        application = jobraker.repository.get(UUID(application_id), version=version)
        job = jobraker.get_job(application.job_id)
        message = f"Your application to {job.title} at {job.company} is now {application.status.value.replace('_', ' ')}."
        jobraker.send_notification(
            f"application:{application_id}:{version}", application.candidate_id, "application_status",
            message, link=f"/api/v1/applications/{application_id}",
        )


def _retry_transient(retries: int, exception: Exception) -> bool:
    from jobraker.sources.adzuna_client import AdzunaTransientError

    return retries < 8 and isinstance(exception, (AdzunaTransientError, dramatiq.Retry))


@dramatiq.actor(queue_name="ingest", min_backoff=5_000, max_backoff=600_000, retry_when=_retry_transient)
def ingest_adzuna(country: str, what: str, where: str) -> None:
    """Fetch what is new for one saved search. 429/5xx/timeouts back off and retry; a full
    quota waits for its window; refused credentials stop at once (and log critically)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by
    from jobraker.sources.factory import adzuna_client
    from jobraker.sources.ingest import Ingestion, SavedSearch
    from jobraker.sources.quota import QuotaExhausted

    client = adzuna_client()
    try:
        with caused_by(f"ingest-{country}-{int(time.time())}", actor="system"):
            Ingestion(get_jobraker(), client, redis_client()).run(SavedSearch(country, what, where))
    except QuotaExhausted as exc:
        raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from None
    finally:
        client.close()
