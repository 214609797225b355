"""The scheduler: sends periodic messages (run one per deployment)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from redis.exceptions import LockError

log = structlog.get_logger(__name__)

HEARTBEAT_SECONDS = 60.0
INGEST_SECONDS = 30 * 60.0


def send_heartbeat() -> None:
    from jobraker.workers.actors import heartbeat

    heartbeat.send(time.time())


def send_ingestion() -> None:
    """One message per distinct saved search among active candidates. The message names one
    candidate who holds the search and the search's key (ids only, never the search's words)."""
    from jobraker.projections.models import CandidateRecord
    from jobraker.sources.ingest import saved_searches
    from jobraker.workers.actors import ingest_adzuna

    holders: dict[str, str] = {}
    candidates = CandidateRecord.objects.filter(is_active=True).values_list("id", "profile", "preferences")
    for candidate_id, profile, preferences in candidates:
        # A sealed column reads None when unset or when the candidate's key is gone: no words.
        for search in saved_searches([(profile or {}, preferences or {})]):
            holders.setdefault(search.key, str(candidate_id))
    for key, candidate_id in sorted(holders.items()):
        ingest_adzuna.send(candidate_id, key)
    log.info("scheduled", actor="ingest_adzuna", searches=len(holders))


def send_board_ingestion() -> None:
    """One message per followed company board (Greenhouse, Lever, Ashby)."""
    from jobraker.sources.models import FollowedBoard
    from jobraker.workers.actors import ingest_board

    boards = list(FollowedBoard.objects.values_list("source", "token"))
    for source, token in boards:
        ingest_board.send(source, token)
    log.info("scheduled", actor="ingest_board", boards=len(boards))


def send_mailbox_polls() -> None:
    """One message per connected mailbox (inbox/), naming the candidate only."""
    from jobraker.inbox.models import Mailbox
    from jobraker.workers.actors import sync_mailbox

    candidates = [str(c) for c in Mailbox.objects.values_list("candidate_id", flat=True)]
    for candidate_id in candidates:
        sync_mailbox.send(candidate_id)
    log.info("scheduled", actor="sync_mailbox", mailboxes=len(candidates))


def flag_stuck_submissions() -> None:
    from jobraker.appliers.submit import flag_stuck_submissions as flag
    from jobraker.eventstore.app import get_jobraker

    flagged = flag(get_jobraker())
    if flagged:
        log.warning("submissions_flagged_for_review", applications=[str(a) for a in flagged])


def poll_silent_runs() -> None:
    from jobraker.appliers.factory import applier
    from jobraker.appliers.skyvern import SkyvernApplier
    from jobraker.appliers.webhooks import poll_silent_runs as poll
    from jobraker.eventstore.app import get_jobraker

    skyvern = applier()
    if isinstance(skyvern, SkyvernApplier):
        outcomes = poll(get_jobraker(), skyvern)
        if outcomes:
            log.info("skyvern_runs_polled", outcomes=outcomes)


def delete_skyvern_files() -> None:
    """Resume files at Skyvern whose run ended (plus the grace period), whose resume changed, or
    whose candidate was erased while Skyvern did not answer: asked to be deleted (appliers/files.py)."""
    from jobraker.appliers.factory import skyvern_applier
    from jobraker.appliers.files import sweep_files
    from jobraker.eventstore.app import get_jobraker

    skyvern = skyvern_applier()
    if skyvern is not None:
        counts = sweep_files(get_jobraker(), skyvern)
        if counts["deleted"] or counts["failed"]:
            log.info("skyvern_files_swept", **counts)


def expire_preparations() -> None:
    """Approve mode: prepared submissions nobody approved in time are dropped, never sent."""
    from jobraker.appliers.submit import expire_preparations as expire
    from jobraker.eventstore.app import get_jobraker

    expired = expire(get_jobraker())
    if expired:
        log.info("preparations_expired", applications=[str(a) for a in expired])


def resend_queued_submissions() -> None:
    """Queued applications no message has promised to handle soon get a new one (workers/pickup.py)."""
    from django.utils import timezone

    from jobraker.workers.pickup import resend_unattended

    resend_unattended(timezone.now())


def requeue_orphaned_messages() -> None:
    from jobraker.config import get_settings
    from jobraker.workers.broker import broker
    from jobraker.workers.orphans import requeue_orphans

    settings = get_settings()
    requeue_orphans(broker(), settings.broker_orphan_after_seconds,
                    delayed_after_seconds=settings.broker_delayed_orphan_after_seconds)


def apply_retention() -> None:
    from django.utils import timezone

    from jobraker.config import get_settings
    from jobraker.eventstore.app import get_jobraker
    from jobraker.privacy.retention import apply_retention as apply

    settings = get_settings()
    apply(get_jobraker(), timezone.now(), settings.retention_inactive_days, settings.retention_job_days)


def send_daily_digests() -> None:
    """Once the digest hour has passed: today's digest of new matches per candidate and of
    hits per daily job alert (each exactly once: ids from the cause and the date)."""
    from django.utils import timezone

    from jobraker.config import get_settings
    from jobraker.delivery.alerts import digest_cutoff, send_alert_digests
    from jobraker.delivery.digest import send_match_digests
    from jobraker.eventstore.app import get_jobraker

    cutoff = digest_cutoff(timezone.now(), get_settings().digest_hour)
    if cutoff is not None:
        matches, alerts = send_match_digests(get_jobraker(), cutoff), send_alert_digests(get_jobraker(), cutoff)
        if matches or alerts:
            log.info("digests_sent", match_digests=matches, alert_digests=alerts)


def send_follow_up_reminders() -> None:
    from django.utils import timezone

    from jobraker.config import get_settings
    from jobraker.delivery.reminders import send_follow_up_reminders as remind
    from jobraker.eventstore.app import get_jobraker

    sent = remind(get_jobraker(), timezone.now(), get_settings().follow_up_days)
    if sent:
        log.info("follow_up_reminders_sent", count=sent)


def embed_pending_vectors() -> None:
    """A safety net: a nudge lost with a worker or while Redis was away, or a claim a killed
    worker left, is picked up within a minute."""
    from jobraker.projections.embedder import nudge

    nudge()


def watch_projection_lag() -> None:
    from jobraker.config import get_settings
    from jobraker.workers.watchdog import check_projection_lag

    settings = get_settings()
    check_projection_lag(settings.projection_lag_alert_seconds, settings.projection_lag_alert_events)


def rotate_keks_when_due() -> None:
    """Daily, and within a minute of an erasure: a destroyed key stays destroyed only once the KEK
    that wrapped it is gone too (privacy/rotation.py)."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.privacy.rotation import rotate_keks, rotation_due

    keyring = get_jobraker().keyring
    if rotation_due(keyring.kek_source):
        rotate_keks(keyring, keyring.kek_source)


def send_match_refresh() -> None:
    from jobraker.workers.actors import refresh_matches

    refresh_matches.send()


MATCH_REFRESH_SECONDS = 10.0
DIGEST_SECONDS = 15 * 60.0
REMINDER_SECONDS = 60 * 60.0
WATCHDOG_SECONDS = 60.0
RECONCILE_SECONDS = 5 * 60.0  # approval windows


def reconcile_seconds() -> float:
    """Stuck submissions, silent runs and unattended queued applications: JOBRAKER_RECONCILE_EVERY_SECONDS."""
    from jobraker.config import get_settings

    return get_settings().reconcile_every_seconds


RETENTION_SECONDS = 24 * 3600.0
KEK_CHECK_SECONDS = 60.0
INBOX_SECONDS = 5 * 60.0
# Each job's period in seconds, or a function reading it from the settings.
JOBS: list[tuple[float | Callable[[], float], Callable[[], None]]] = [
    (HEARTBEAT_SECONDS, send_heartbeat),
    (INGEST_SECONDS, send_ingestion),
    (INGEST_SECONDS, send_board_ingestion),
    (reconcile_seconds, flag_stuck_submissions),
    (reconcile_seconds, poll_silent_runs),
    (reconcile_seconds, resend_queued_submissions),
    (RECONCILE_SECONDS, expire_preparations),
    (RETENTION_SECONDS, apply_retention),
    (DIGEST_SECONDS, send_daily_digests),
    (REMINDER_SECONDS, send_follow_up_reminders),
    (WATCHDOG_SECONDS, watch_projection_lag),
    (WATCHDOG_SECONDS, requeue_orphaned_messages),
    (WATCHDOG_SECONDS, delete_skyvern_files),
    (WATCHDOG_SECONDS, embed_pending_vectors),
    (KEK_CHECK_SECONDS, rotate_keks_when_due),
    (MATCH_REFRESH_SECONDS, send_match_refresh),
    (INBOX_SECONDS, send_mailbox_polls),
]


LOCK_SECONDS = 30


def run_scheduler(stop: threading.Event, jobs: list[tuple[Any, Callable[[], None]]] = JOBS) -> None:
    """Only the scheduler holding the Redis lock sends; others stand by and take over
    within LOCK_SECONDS if it dies."""
    from jobraker.components import redis_client

    lock = redis_client().lock("jobraker:scheduler:leader", timeout=LOCK_SECONDS)
    while not stop.is_set():
        if lock.acquire(blocking=False):
            try:
                _run_jobs(stop, jobs, lock)
            finally:
                try:
                    lock.release()
                except Exception:  # expired while we were stopping
                    pass
        else:
            stop.wait(LOCK_SECONDS / 3)


def _run_jobs(stop: threading.Event, jobs: list[tuple[Any, Callable[[], None]]], lock: Any) -> None:
    log.info("scheduler_leading")
    due = [0.0] * len(jobs)
    while not stop.is_set():
        try:
            lock.reacquire()
        except LockError:
            log.warning("scheduler_lost_lock")
            return
        now = time.monotonic()
        for index, (every, job) in enumerate(jobs):
            if now >= due[index]:
                try:
                    job()
                except Exception:  # one failing job must not stop the others
                    log.exception("scheduled_job_failed", job=job.__name__)
                finally:
                    _renew_database_connection()
                due[index] = now + (every() if callable(every) else every)
        stop.wait(max(0.1, min(min(due) - time.monotonic(), LOCK_SECONDS / 3)))


def _renew_database_connection() -> None:
    """As Django does per request: a connection the database dropped is opened anew next time."""
    from django.db import close_old_connections

    close_old_connections()
