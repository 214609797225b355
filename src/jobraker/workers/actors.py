"""Dramatiq actors. Run with ``jobraker worker``.

Every actor is idempotent under redelivery: the aggregates' state and versions,
not the broker, decide whether a message still has work to do.
"""

from __future__ import annotations

import random
import time
from typing import NoReturn
from uuid import UUID

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from jobraker.bootstrap import setup_django
from jobraker.components import redis_client
from jobraker.workers.broker import broker
from jobraker.workers.erased import done_if_erased
from jobraker.workers.pickup import owned_submission, owners, renew_owner

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
@done_if_erased
def notify_application_change(application_id: str, version: int, correlation_id: str) -> None:
    """Tell the candidate their application moved. Idempotent: the notification's id comes
    from (application, version), so a redelivery finds it already sent."""
    from jobraker.domain.application import Status
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by

    jobraker = get_jobraker()
    with caused_by(correlation_id, causation_id=f"{application_id}:{version}", actor="system"):
        application = jobraker.repository.get(UUID(application_id), version=version)
        job = jobraker.get_job(application.job_id)
        message = f"Your application to {job.title} at {job.company} is now {application.status.value.replace('_', ' ')}."
        if application.dry_run:
            message += " (Dry run: no Skyvern key is configured, so nothing was sent.)"
        elif application.applier == "sandbox":
            message += " (Sandbox: a stand-in for Skyvern ran it; nothing was sent to the employer.)"
        if application.status.value == "unverified":
            message += " The employer's site showed no confirmation; the application page says why."
        if application.status.value == "needs_input":
            message += (" The employer's form asks a question Jobraker has no answer for; the application page shows it."
                        " Answer it (POST /answer on the application) and Jobraker tries again.")
        if application.status.value == "pending_approval" and application.preparation is not None:
            expires = application.preparation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            message += f" Jobraker prepared it: approve or reject it before {expires}; nothing is sent until you approve."
        if application.history[-2:] == [Status.PENDING_APPROVAL, Status.MATCHED]:
            message += " The prepared submission expired unapproved and was not sent."
        jobraker.send_notification(
            f"application:{application_id}:{version}", application.candidate_id, "application_status",
            message, link=f"/api/v1/applications/{application_id}",
        )


def _retry_transient(retries: int, exception: Exception) -> bool:
    """Adzuna's back-off answers, and a database or Redis that is away for a moment (a restart)."""
    from django.db import OperationalError as DatabaseUnavailable
    from dramatiq.errors import BrokerConnectionError as BrokerUnavailable  # a send (workers/redis_broker.py)
    from eventsourcing.persistence import OperationalError as EventStoreUnavailable
    from redis.exceptions import ConnectionError as RedisUnavailable

    from jobraker.sources.adzuna_client import AdzunaTransientError

    transient = (AdzunaTransientError, dramatiq.Retry, DatabaseUnavailable, EventStoreUnavailable, RedisUnavailable,
                 BrokerUnavailable)
    return retries < 8 and isinstance(exception, transient)


@dramatiq.actor(queue_name="ingest", min_backoff=5_000, max_backoff=600_000, retry_when=_retry_transient)
def ingest_adzuna(candidate_id: str, search_key: str, *legacy: str) -> None:
    """Fetch what is new for one saved search of one candidate. The message names the candidate
    and the search's key, never its words (skills, city): the actor reads them from the
    candidate. 429/5xx/timeouts back off and retry; a full quota waits for its window; refused
    credentials stop at once (and log critically)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by
    from jobraker.sources.factory import adzuna_client
    from jobraker.sources.ingest import Ingestion
    from jobraker.sources.quota import QuotaExhausted

    if legacy:  # (country, what, where) from before issue 12: dropped, the scheduler resends by id
        log.info("ingest_message_dropped", reason="legacy format")
        return
    search = _search(UUID(candidate_id), search_key)
    if search is None:
        return
    client = adzuna_client()
    try:
        with caused_by(f"ingest-{search_key[:8]}-{int(time.time())}", actor="system"):
            Ingestion(get_jobraker(), client, redis_client()).run(search)
    except QuotaExhausted as exc:
        raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from None
    finally:
        client.close()


def _search(candidate_id: UUID, search_key: str):  # type: ignore[no-untyped-def]
    """The candidate's search with this key, or None when their wishes changed since (or they
    are gone): the newer wishes were queued by their own change."""
    from jobraker.domain.errors import NotFound
    from jobraker.eventstore.app import get_jobraker
    from jobraker.sources.ingest import searches_of

    try:
        candidate = get_jobraker().get_candidate(candidate_id)
    except NotFound:
        return None
    search = next((s for s in searches_of(candidate) if s.key == search_key), None)
    if search is None:
        log.info("ingest_search_gone", candidate_id=str(candidate_id), search=search_key)
    return search


@dramatiq.actor(queue_name="ingest", max_retries=3)
@done_if_erased
def ingest_for_candidate(candidate_id: str, correlation_id: str) -> None:
    """Queue the searches one candidate's current profile and preferences imply (by key)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.sources.ingest import searches_of

    for search in searches_of(get_jobraker().get_candidate(UUID(candidate_id))):
        ingest_adzuna.send(candidate_id, search.key)


def _skyvern_slots():  # type: ignore[no-untyped-def]
    """Skyvern runs at once across all workers (JOBRAKER_SKYVERN_CONCURRENCY); leased, so a
    killed worker's slot comes back (see workers/slots.py)."""
    from jobraker.config import get_settings
    from jobraker.workers.slots import LeasedSlots

    settings = get_settings()
    return LeasedSlots(redis_client(), "jobraker:skyvern:slots", settings.skyvern_concurrency,
                       settings.skyvern_slot_lease_seconds)


@dramatiq.actor(queue_name="apply", max_retries=20, min_backoff=10_000, max_backoff=3_600_000)
@done_if_erased
@owned_submission
def submit_application(application_id: str, correlation_id: str) -> None:
    """Submit a queued application at most once (see appliers/submit.py), within the
    candidate's daily cap and Skyvern's concurrency limit, both shared by all workers."""
    from datetime import date

    from jobraker.appliers.factory import applier, halt, letter_writer, webhook_url
    from jobraker.appliers.leases import submitting
    from jobraker.appliers.submit import SubmitLater, submit
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by

    jobraker = get_jobraker()
    application = jobraker.get_application(UUID(application_id))
    cap = jobraker.get_candidate(application.candidate_id).auto_apply.daily_cap
    counter = f"jobraker:apply:daily:{application.candidate_id}:{date.today().isoformat()}"
    counted = application.status.value == "queued"
    if counted and int(redis_client().incr(counter)) > cap:
        redis_client().decr(counter)
        _note_skipped(jobraker, UUID(application_id), "daily_cap")
        raise dramatiq.Retry(f"daily cap of {cap} reached", delay=3_600_000)
    redis_client().expire(counter, 2 * 86_400)
    slots = _skyvern_slots()
    held = slots.acquire()
    if not held:  # try again when a slot surely frees (the first lease ends), within 30 s
        if counted:  # nothing was sent: it does not count against today's cap
            redis_client().decr(counter)
        raise dramatiq.Retry("Skyvern concurrency limit reached", delay=min(30_000, held.wait_ms + random.randint(100, 1000)))
    try:
        with caused_by(correlation_id, causation_id=f"submit:{application_id}", actor="system"), \
                submitting(UUID(application_id), lambda: slots.renew(held), renew_owner(application_id),
                           shortest_lease=min(slots.lease_ms / 1000, owners().grace)):
            the_applier = applier()
            outcome = submit(jobraker, UUID(application_id), the_applier, webhook_url(), halt(redis_client()),
                             letters=letter_writer())
    except SubmitLater as later:  # Skyvern busy (429) or the key refused (403): nothing was sent
        if counted:
            redis_client().decr(counter)
        raise dramatiq.Retry(str(later), delay=_later_ms(later.delay)) from None
    finally:
        slots.release(held)
    log.info("submission", application_id=application_id, outcome=outcome, applier=the_applier.name)


def _note_skipped(jobraker, application_id: UUID, skip_reason: str) -> None:  # type: ignore[no-untyped-def]
    """Show the candidate why a queued application waits (recorded once, not on every retry)."""
    from jobraker.domain.errors import DomainError

    try:
        jobraker.note_skipped(application_id, skip_reason)
    except DomainError:  # moved on meanwhile (withdrawn, erased): nothing to explain
        pass


def _later_ms(delay: float | None) -> int:
    """Skyvern's Retry-After when it gave one; else 30 s doubling per retry, up to 10 minutes, with jitter."""
    if delay is not None:
        return int(delay * 1000) + random.randint(0, 1000)
    return min(600_000, 30_000 * 2 ** _retries_so_far()) + random.randint(0, 5_000)


def _retries_so_far() -> int:
    message = CurrentMessage.get_current_message()  # None when called outside a worker
    return message.options.get("retries", 0) if message is not None else 0


# Waiting for the read side is not a failure, so the waits stop growing at a minute: work goes on
# within a minute of the read side catching up. They had grown to 10 minutes: after a chaos
# run's faults (a worker killed mid-embedding), its drain waited over four minutes on such
# retries. The first five waits take 62 s, so 124 of them last about two hours in all.
READ_SIDE_WAIT_CAP_MS = 60_000
READ_SIDE_RETRIES = 124


def read_side_wait_ms(retries: int) -> int:
    """How long the ``retries``-th wait for the read side lasts: 2 s, doubling, at most a minute."""
    return min(READ_SIDE_WAIT_CAP_MS, 2_000 * 2 ** min(retries, 16))


def _wait_for_projector(reason: str) -> NoReturn:
    """Retry later (``read_side_wait_ms``), for about two hours in all, so a projector restart
    or a database failover never drops a new job unmatched."""
    raise dramatiq.Retry(reason, delay=read_side_wait_ms(_retries_so_far()))


@dramatiq.actor(queue_name="embed", max_retries=10, min_backoff=1_000, max_backoff=60_000, time_limit=300_000)
def embed_pending_vectors() -> None:
    """Embed the jobs and candidates the vectors projection marked pending, in batches (see
    projections/embedder.py). Idempotent: it looks at what is pending, not at the message."""
    from jobraker.embeddings.selection import get_provider
    from jobraker.projections.embedder import NUDGE_KEY, embed_until_done

    redis_client().delete(NUDGE_KEY)  # before looking: a row committed after this look sends a new message
    done = embed_until_done(get_provider())
    if done:
        log.info("vectors_embedded", count=done)


@dramatiq.actor(queue_name="match", max_retries=READ_SIDE_RETRIES)
@done_if_erased
def match_new_job(job_id: str, correlation_id: str) -> None:
    """Score a new job for every candidate whose automation mode records matches. Waits for
    the job's vector first."""
    from jobraker.eventstore.context import caused_by
    from jobraker.projections.models import JobRecord, JobVector

    if JobRecord.with_tracked.filter(id=job_id, owner_id__isnull=False).exists():
        return  # a candidate's tracked job is never matched for anyone
    job = JobRecord.objects.filter(id=job_id).first()
    if job is None or not JobVector.objects.filter(job_id=job_id).exists():
        _wait_for_projector(f"job {job_id} has no row or vector yet")
    with caused_by(correlation_id, causation_id=f"match:{job_id}", actor="system"):
        _auto_matcher().new_job(job)


@dramatiq.actor(queue_name="match", max_retries=READ_SIDE_RETRIES)
@done_if_erased
def match_existing_jobs(candidate_id: str, position: int, correlation_id: str) -> None:
    """A candidate's wishes or automation mode changed: score the best jobs already known for
    them too. Waits until the read models (their vector included) have the change."""
    from jobraker.eventstore.context import caused_by
    from jobraker.projections.embedder import vector_ready
    from jobraker.projections.positions import slowest_position
    from jobraker.projections.registry import all_projections

    # The vector is the worker's, not the projector's: wait for it, not for every projection.
    others = [p.name for p in all_projections() if p.name != "vectors"]
    if slowest_position(others) < position or not vector_ready(UUID(candidate_id), position):
        _wait_for_projector(f"the read models or the vector have not reached event {position} yet")
    with caused_by(correlation_id, causation_id=f"rematch:{candidate_id}:{position}", actor="system"):
        _auto_matcher().existing_jobs(UUID(candidate_id))


MATCH_REFRESH_LOCK = "jobraker:matches:refresh"


@dramatiq.actor(queue_name="match", max_retries=3, time_limit=15 * 60_000)
def refresh_matches() -> None:
    """Bring the precomputed matches up to date with what the match_marks projection marked
    (matching/precomputed.py). One drainer at a time across workers; the scheduler sends this
    every few seconds, so a message that finds the lock taken has nothing to do."""
    from redis.exceptions import LockError

    from jobraker.embeddings.selection import get_provider
    from jobraker.matching.precomputed import DRAIN_SECONDS, drain

    lock = redis_client().lock(MATCH_REFRESH_LOCK, timeout=int(DRAIN_SECONDS * 5))
    if not lock.acquire(blocking=False):
        return
    try:
        done = drain(get_provider())
    finally:
        try:
            lock.release()
        except LockError:  # it outlived its lease: the next drainer may already hold it
            pass
    if done["candidates"] or done["listings"]:
        log.info("matches_refreshed", **done)


def _auto_matcher():  # type: ignore[no-untyped-def]
    from jobraker.appliers.factory import approval_preparer
    from jobraker.embeddings.selection import get_provider
    from jobraker.eventstore.app import get_jobraker
    from jobraker.matching.automatic import AutoMatcher

    return AutoMatcher(get_jobraker(), get_provider(), approval_preparer())


@dramatiq.actor(queue_name="default", max_retries=5)
@done_if_erased
def build_data_export(export_id: str) -> None:
    """Build a requested data export (idempotent: a ready export is left as it is)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.privacy.export import build_export

    export = build_export(get_jobraker(), UUID(export_id))
    log.info("data_export_ready", export_id=export_id, size=export.size)


@dramatiq.actor(queue_name="default", max_retries=READ_SIDE_RETRIES)
def vacuum_after_erasure(candidate_id: str, position: int) -> None:
    """Once every projection has dropped an erased candidate's rows (they read the erasure at
    ``position``), sweep what names them once more and VACUUM the tables, so the deleted rows'
    dead tuples go now rather than whenever autovacuum comes by."""
    from jobraker.privacy.leftovers import forget_leftovers
    from jobraker.privacy.vacuum import erasure_tables, vacuum
    from jobraker.projections.positions import slowest_position
    from jobraker.projections.registry import all_projections

    if slowest_position([p.name for p in all_projections()]) < position:
        _wait_for_projector(f"the read models have not reached event {position} yet")
    gone = forget_leftovers(UUID(candidate_id))
    tables = erasure_tables()
    vacuum(tables)
    log.info("erasure_vacuumed", candidate_id=candidate_id, tables=len(tables), deleted=gone)


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=5_000, max_backoff=600_000)
@done_if_erased
def email_notification(notification_id: str, correlation_id: str) -> None:
    """E-mail one notification, exactly once per notification (see delivery/email.py)."""
    from jobraker.delivery.email import deliver_notification
    from jobraker.eventstore.app import get_jobraker

    deliver_notification(get_jobraker(), UUID(notification_id))


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=5_000, max_backoff=600_000)
def email_address_verification(candidate_id: str) -> None:
    """Send a new candidate the link that verifies their address (see delivery/identity_mail.py)."""
    from jobraker.delivery.identity_mail import send_verification
    from jobraker.eventstore.app import get_jobraker

    log.info("address_verification_email", candidate_id=candidate_id, sent=send_verification(get_jobraker(), UUID(candidate_id)))


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=5_000, max_backoff=600_000)
def email_registration_attempt(candidate_id: str) -> None:
    """Tell a candidate that someone tried to register their address."""
    from jobraker.delivery.identity_mail import send_registration_attempt
    from jobraker.eventstore.app import get_jobraker

    log.info("registration_attempt_email", candidate_id=candidate_id, sent=send_registration_attempt(get_jobraker(), UUID(candidate_id)))


@dramatiq.actor(queue_name="match", max_retries=5, min_backoff=2_000)
@done_if_erased
def check_job_alerts(job_id: str, correlation_id: str) -> None:
    """Tell the candidates whose job alerts a new job matches (once per alert and job)."""
    from jobraker.delivery.alerts import alert_on_new_job
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by

    with caused_by(correlation_id, causation_id=f"alerts:{job_id}", actor="system"):
        alert_on_new_job(get_jobraker(), UUID(job_id))


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=2_000)
def withdraw_for_expired_listing(job_id: str, correlation_id: str) -> None:
    """The applications still waiting for a listing that expired are withdrawn, with the reason."""
    from jobraker.appliers.expired_listings import withdraw_for_expired_listing as withdraw
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by

    with caused_by(correlation_id, causation_id=f"expired:{job_id}", actor="system"):
        withdrawn = withdraw(get_jobraker(), UUID(job_id))
    if withdrawn:
        log.info("applications_withdrawn_for_expired_listing", job_id=job_id, applications=len(withdrawn))


def _retry_board(retries: int, exception: Exception) -> bool:
    from jobraker.sources.boards.client import BoardTransientError

    return (isinstance(exception, BoardTransientError) and retries < 5) or _retry_transient(retries, exception)


@dramatiq.actor(queue_name="ingest", min_backoff=30_000, max_backoff=1_800_000, retry_when=_retry_board)
def ingest_board(source: str, token: str) -> None:
    """Fetch one followed company board: post what is new or changed, expire what is gone."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.sources.models import FollowedBoard

    board = FollowedBoard.objects.filter(source=source, token=token).first()
    if board is None:
        return  # unfollowed since the message was sent
    _fetch_boards(get_jobraker(), [board], f"board-{source}-{token}-{int(time.time())}")


def _fetch_boards(jobraker, boards, correlation_id: str) -> None:  # type: ignore[no-untyped-def]
    """Ingest each board in turn; a board API's Retry-After becomes the message's retry delay."""
    from jobraker.components import redis_client
    from jobraker.eventstore.context import caused_by
    from jobraker.sources.boards.client import BoardTransientError
    from jobraker.sources.boards.following import board_client
    from jobraker.sources.boards.ingest import ingest_board as ingest

    try:
        with caused_by(correlation_id, actor="system"):
            for board in boards:
                ingest(jobraker, board, board_client(redis_client()), redis_client())
    except BoardTransientError as exc:
        if exc.retry_after is None:
            raise
        raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from None


@dramatiq.actor(queue_name="ingest", min_backoff=2_000, max_backoff=600_000, retry_when=_retry_board)
def ingest_boards_followed_by(candidate_id: str, correlation_id: str) -> None:
    """A candidate followed a board: the boards they follow that were never fetched are fetched
    now, not at the next scheduled run. The message names the candidate only, never a board."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.sources.models import FollowedBoard

    jobraker = get_jobraker()
    wanted = set(jobraker.get_candidate(UUID(candidate_id)).followed_boards)
    boards = FollowedBoard.objects.filter(followers__candidate_id=candidate_id)
    if wanted - {(board.source, board.token) for board in boards}:
        _wait_for_projector("the board_followers projection has not caught up")
    _fetch_boards(jobraker, boards.filter(last_fetched_at__isnull=True), correlation_id)


def _retry_mail(retries: int, exception: Exception) -> bool:
    """The inbound mail server not listening yet (`up` starting) or answering 4xx: try again."""
    import smtplib

    return (isinstance(exception, OSError | smtplib.SMTPException) and retries < 8) or _retry_transient(retries, exception)


@dramatiq.actor(queue_name="ingest", min_backoff=2_000, max_backoff=60_000, retry_when=_retry_mail)
def sandbox_employer_reply(application_id: str) -> None:
    """Under `jobraker up`: a sandbox company answers a submitted application by e-mail to the
    candidate's forwarding address (inbox/sandbox_employer.py)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.inbox.sandbox_employer import reply_to_submission

    if reply_to_submission(get_jobraker(), UUID(application_id)):
        log.info("sandbox_employer_replied", application_id=application_id)


@dramatiq.actor(queue_name="match", max_retries=5, min_backoff=2_000)
def link_duplicates(job_id: str, correlation_id: str) -> None:
    """A new listing: linked to the earlier listing of its job if there is one; else matched and
    alerted on (sources/duplicates.py), so candidates see one listing per real job."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by
    from jobraker.sources.duplicates import link_if_duplicate

    with caused_by(correlation_id, causation_id=f"duplicates:{job_id}", actor="system"):
        canonical = link_if_duplicate(get_jobraker(), UUID(job_id))
    if canonical is None:
        match_new_job.send(job_id, correlation_id)
        check_job_alerts.send(job_id, correlation_id)



@dramatiq.actor(queue_name="ingest", min_backoff=5_000, max_backoff=600_000, retry_when=_retry_transient)
@done_if_erased
def sync_mailbox(candidate_id: str) -> None:
    """Read what is new in one candidate's mailbox (inbox/sync.py). The message names the
    candidate only: the connection is read from its sealed row. A mailbox that cannot be read
    (down, refused login) is not retried here: the failure is on its row, and the next scheduled
    poll connects again; retrying would only fill the dead-letter queue while a server is down."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.eventstore.context import caused_by
    from jobraker.inbox.sync import MailboxError, poll_mailbox

    try:
        with caused_by(f"inbox-{candidate_id[:8]}-{int(time.time())}", actor="system"):
            poll_mailbox(get_jobraker(), UUID(candidate_id))
    except MailboxError as exc:
        log.info("mailbox_unavailable", candidate_id=candidate_id, code=exc.code)
