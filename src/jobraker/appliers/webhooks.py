"""Skyvern's webhook: only signed deliveries count; each run's outcome is recorded once."""

from __future__ import annotations

from uuid import UUID

import httpx

from jobraker.appliers.models import SkyvernRunLink
from jobraker.appliers.skyvern import SkyvernApplier, SkyvernRun, SkyvernUnknownOutcome
from jobraker.appliers.verification import verify
from jobraker.domain.application import Actor, Application, Status
from jobraker.domain.service import Jobraker
from jobraker.privacy.keyring import SubjectErased


def record_outcome(jobraker: Jobraker, run: SkyvernRun) -> str:
    """Map a terminal run to the application's next state. Deliveries are retried by
    Skyvern: the application's own state makes a repeat a no-op."""
    link = SkyvernRunLink.objects.filter(run_id=run.run_id).first()
    if link is None:
        return "unknown run"
    application = jobraker.get_application(UUID(str(link.application_id)))
    if application.status is Status.NEEDS_REVIEW and run.status == "completed":
        _record_completed(application, run)  # Skyvern's report settles the review
    elif application.status is not Status.SUBMITTING:
        return "already recorded"
    elif run.status == "completed":
        _record_completed(application, run)
    elif run.status in ("failed", "terminated", "canceled"):
        application.record_failure(run.failure_reason or f"Skyvern run {run.status}", retryable=False)
    elif run.status == "timed_out":
        application.flag_for_review("Skyvern timed out; the form may or may not have been sent")
    else:
        return "not terminal"
    try:
        jobraker.save(application)
    except SubjectErased:  # nothing is recorded for an erased candidate; Skyvern need not retry
        return "candidate erased"
    return "recorded"


def _record_completed(application: Application, run: SkyvernRun) -> None:
    """Submitted only with a confirmation from the employer's site; else unverified, saying why."""
    verdict = verify(run.output)
    if verdict.confirmed:
        application.record_submitted(Actor.SYSTEM, confirmation=verdict.evidence)
    else:
        application.record_unverified(verdict.evidence)


def poll_silent_runs(jobraker: Jobraker, skyvern: SkyvernApplier, older_than_minutes: int = 20) -> dict[str, str]:
    """Runs whose webhook never came: ask Skyvern, and record a terminal outcome as the webhook would."""
    from datetime import timedelta

    from django.utils import timezone

    outcomes = {}
    silent = SkyvernRunLink.objects.filter(created_at__lt=timezone.now() - timedelta(minutes=older_than_minutes))
    for link in silent:
        application = jobraker.get_application(UUID(str(link.application_id)))
        if application.status is not Status.SUBMITTING:
            continue
        try:
            run = skyvern.get_run(link.run_id)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 404:
                outcomes[link.run_id] = f"not asked: Skyvern answered {exc.response.status_code}"
                continue  # one run's error must not stop the others being asked
            # Skyvern has no such run (e.g. the sandbox restarted): whether it ran is unknown.
            application.flag_for_review(f"Skyvern has no record of run {link.run_id}; whether it was sent is unknown")
            try:
                jobraker.save(application)
            except SubjectErased:
                outcomes[link.run_id] = "candidate erased"
                continue
            outcomes[link.run_id] = "unknown to Skyvern: needs review"
            continue
        except httpx.TransportError as exc:
            outcomes[link.run_id] = f"not asked: {type(exc).__name__}"
            continue
        except SkyvernUnknownOutcome as exc:  # an unreadable answer: ask again next time
            outcomes[link.run_id] = f"not asked: {exc}"
            continue
        outcomes[link.run_id] = record_outcome(jobraker, run)
    return outcomes
