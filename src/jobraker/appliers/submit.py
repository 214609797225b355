"""Submitting a queued application, at most once.

The order is what makes it safe: the application moves to *submitting* (an event) before
Skyvern is called, so a second worker — or a redelivered message — finds nothing queued
and does nothing. If the worker dies after calling Skyvern and before recording the run,
the application stays *submitting* with no run id; once the worker's lease on it lapses
(appliers/leases.py) the reconciler marks it *needs review*, never submitting again. When Skyvern's answer is lost (timeout, 5xx),
the outcome is unknown and the application goes to needs review too.

Skyvern's 429 (RateLimitExceeded, ConcurrencyLimitExceeded) and 403 (key refused) come before
any run exists: the application goes back to the queue (``release_submission``) and the caller
tries again later (``SubmitLater``); a 403 also stops every worker sending (appliers/halt.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from django.utils import timezone
from eventsourcing.persistence import IntegrityError

from jobraker.appliers.files import attach_resume_file
from jobraker.appliers.halt import RECHECK_SECONDS, SkyvernHalt
from jobraker.appliers.models import SkyvernRunLink
from jobraker.appliers.payload import LISTING_NOTE, RESUME_CHARS, TITLE_CHARS, parts_with_answers, payload_for  # noqa: F401 (re-exported)
from jobraker.appliers.skyvern import Applier, SkyvernBusy, SkyvernKeyRefused, SkyvernRejected, SkyvernUnknownOutcome
from jobraker.config import get_settings
from jobraker.domain.application import Actor, Application, Status
from jobraker.domain.candidate import Candidate
from jobraker.domain.commands.applications import Preparer, sending_refusal
from jobraker.domain.errors import DomainError
from jobraker.domain.job import Job
from jobraker.domain.safe_url import UnsafeUrl
from jobraker.domain.service import Jobraker
from jobraker.privacy.keyring import SubjectErased
from jobraker.projections.models import ApplicationRecord
from jobraker.public_urls import check_public_url
from jobraker.sources.duplicates import preferred_apply_url

if TYPE_CHECKING:  # (the letters module imports the OpenAI SDK: only when letters are written)
    from jobraker.appliers.cover_letter import LetterWriter

log = structlog.get_logger(__name__)


def build_payload(jobraker: Jobraker, application_id: UUID, webhook_url: str) -> dict[str, Any]:
    application = jobraker.get_application(application_id)
    candidate = jobraker.get_candidate(application.candidate_id)
    return _payload(jobraker, candidate, jobraker.get_listing(application.job_id), webhook_url)


def preparer(webhook_url: str, approval_window: timedelta) -> Preparer:
    """Prepares submissions for approval (approve mode): the payload and when the offer lapses."""

    def prepare(candidate: Candidate, job: Job) -> tuple[dict[str, Any], datetime]:
        from jobraker.eventstore.app import get_jobraker

        return _payload(get_jobraker(), candidate, job, webhook_url), timezone.now() + approval_window

    return prepare


def _payload(jobraker: Jobraker, candidate: Candidate, job: Job, webhook_url: str) -> dict[str, Any]:
    """The payload with the candidate's answer bank: the only answers the agent may give."""
    answers = jobraker.get_answer_bank(candidate.id).given()
    payload = payload_for(candidate, job, webhook_url, engine=get_settings().skyvern_engine, parts=parts_with_answers(answers))
    payload["url"] = preferred_apply_url(job)  # the employer's own form, if a linked listing has it
    return payload


def payload_to_send(jobraker: Jobraker, application: Application, webhook_url: str) -> dict[str, Any]:
    """What the candidate approved, word for word; else (full mode, or a new run after the candidate
    answered the form's question, which the approved payload could not hold) built now."""
    approved = application.approved_payload
    if approved is not None and not answered_since_approval(application):
        return approved
    return build_payload(jobraker, application.id, webhook_url)


def answered_since_approval(application: Application) -> bool:
    history = application.history
    approved_at = max((i for i, s in enumerate(history) if s is Status.PENDING_APPROVAL), default=-1)
    return Status.NEEDS_INPUT in history[approved_at + 1:]


class SubmitLater(Exception):
    """Nothing was sent and the application is queued again: try after ``delay`` seconds (None:
    the caller's own back-off). Raised for Skyvern's 429 (busy) and while its key is refused."""

    def __init__(self, reason: str, delay: float | None) -> None:
        super().__init__(reason)
        self.delay = delay


def submit(jobraker: Jobraker, application_id: UUID, applier: Applier, webhook_url: str,
           halt: SkyvernHalt | None = None, letters: LetterWriter | None = None) -> str:
    """``letters``: cover letters (full mode), recorded on the application and attached only if they pass."""
    application = jobraker.get_application(application_id)
    if application.status is not Status.QUEUED:
        return f"nothing to do: the application is {application.status.value}"
    candidate = jobraker.get_candidate(application.candidate_id)
    refusal = sending_refusal(candidate) or missing_approval(candidate, application) or not_a_listing(jobraker, application)
    if refusal:
        # Mode off/suggest, consent withdrawn, deactivated, erased, unapproved, listing expired.
        application.withdraw(Actor.SYSTEM, reason=refusal)
        jobraker.save(application)
        return f"withdrawn: {refusal}"
    if halt is not None and halt.current() is not None:
        raise SubmitLater("Skyvern refuses the API key; held in the queue until staff fix it", RECHECK_SECONDS)
    # What the candidate approved is what is sent, word for word.
    payload = payload_to_send(jobraker, application, webhook_url)
    if letters is not None and payload is not application.approved_payload:  # (approved: the letter shown is in it)
        payload = letters.attach(application, candidate, jobraker.get_listing(application.job_id), payload)
    application.start_submission()
    try:
        jobraker.save(application)  # the intent is on record before anything leaves
    except IntegrityError:
        return "nothing to do: another worker took it"
    unsafe = unsafe_target(payload)
    if unsafe:
        application.record_failure(unsafe, retryable=False)
        jobraker.save(application)
        log.warning("submission_refused_unsafe_url", application_id=str(application_id))
        return "failed"
    try:
        payload = attach_resume_file(jobraker, application, payload, applier)  # before the run: nothing started yet
        run_id = applier.run_task(payload)
    except SkyvernBusy as exc:  # 429 comes before any run exists: nothing started
        _release(jobraker, application, str(exc))
        raise SubmitLater(str(exc), exc.retry_after) from None
    except SkyvernKeyRefused as exc:  # 403: no run either; stop everyone sending until the key is fixed
        _release(jobraker, application, str(exc))
        if halt is not None:
            halt.halt(str(exc))
        else:
            log.critical("skyvern_key_refused", reason=str(exc)[:300])
        raise SubmitLater(str(exc), RECHECK_SECONDS) from None
    except SkyvernRejected as exc:
        application.record_failure(str(exc)[:500], retryable=False)
        jobraker.save(application)
        return "failed"
    except SkyvernUnknownOutcome as exc:
        application.flag_for_review(f"outcome unknown: {exc}"[:500])
        jobraker.save(application)
        return "needs review"
    if run_id:
        SkyvernRunLink.objects.get_or_create(run_id=run_id, defaults={"application_id": application_id})
    resume_id = candidate.resume.id if candidate.resume is not None else None
    application.record_submission_sent(payload, run_id, applier.dry_run, applier.name, resume_id=resume_id)
    if applier.dry_run:
        application.record_submitted(Actor.SYSTEM)
    jobraker.save(application)
    log.info("submission_sent", application_id=str(application_id), run_id=run_id, applier=applier.name)
    return "dry run recorded" if applier.dry_run else f"sent as {run_id}"


def _release(jobraker: Jobraker, application: Application, reason: str) -> None:
    """Back to the queue: Skyvern answered before starting a run, so nothing was sent."""
    application.release_submission(reason[:500])
    jobraker.save(application)
    log.info("submission_released", application_id=str(application.id), reason=reason[:200])


def not_a_listing(jobraker: Jobraker, application: Application) -> str:
    """Jobraker applies only to open listings: never to a job a candidate tracks themselves,
    nor to one that expired (its source stopped returning it, or its page said it closed)."""
    job = jobraker.get_job(application.job_id)
    if job.is_tracked:
        return "the job is a candidate's tracked job, not a listing"
    if job.is_expired:
        return f"the listing expired{': ' + job.expired_because if job.expired_because else ''}"
    return ""


def unsafe_target(payload: dict[str, Any]) -> str:
    """Checked again right before sending (the name may resolve differently since it came in):
    why the payload's URL may not go to Skyvern, or nothing."""
    try:
        check_public_url(payload.get("url", ""), field="the job's url")
    except UnsafeUrl as exc:
        return f"not sent: {exc}"
    return ""


def missing_approval(candidate: Candidate, application: Application) -> str:
    """In approve mode only an application whose prepared submission was approved may go."""
    if candidate.auto_apply.mode == "approve" and application.approved_payload is None:
        return "approve mode, and the candidate has not approved this submission"
    return ""


def expire_preparations(jobraker: Jobraker, now: datetime | None = None) -> list[UUID]:
    """Drop prepared submissions whose approval window has passed: they are never sent."""
    now = now or timezone.now()
    expired = []
    waiting = ApplicationRecord.objects.filter(status=Status.PENDING_APPROVAL.value).values_list("id", flat=True)
    for application_id in waiting:
        application = jobraker.get_application(application_id)
        preparation = application.preparation
        if application.status is Status.PENDING_APPROVAL and preparation is not None and preparation.expires_at <= now:
            try:
                jobraker.expire_preparation(application_id, now)
            except DomainError:  # approved or withdrawn a moment ago: nothing to drop
                continue
            expired.append(application_id)
    return expired


def flag_stuck_submissions(jobraker: Jobraker, now: Any = None) -> list[UUID]:
    """Applications left submitting with no run recorded and no live worker's lease on them (a
    worker died mid-submission): they go to review once the lease has lapsed (appliers/leases.py)."""
    from jobraker.appliers.leases import submission_leases

    now = now or timezone.now()
    flagged, leases = [], submission_leases()
    since = now - timedelta(seconds=leases.seconds)
    candidates = ApplicationRecord.objects.filter(status=Status.SUBMITTING.value, updated_at__lt=since)
    ids = list(candidates.values_list("id", flat=True))
    live = leases.live(ids)
    for application_id in (a for a in ids if a not in live):
        application = jobraker.get_application(application_id)
        if application.status is Status.SUBMITTING and application.run_id is None and not application.dry_run:
            application.flag_for_review("the worker stopped during submission; whether it was sent is unknown")
            try:
                jobraker.save(application)
            except SubjectErased:  # erased meanwhile: nothing more is recorded for them
                continue
            flagged.append(application_id)
    return flagged
