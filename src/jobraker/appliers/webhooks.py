"""Skyvern's webhook: only signed deliveries count; each run's outcome is recorded once."""

from __future__ import annotations

from uuid import UUID

import httpx

from jobraker.appliers.models import SkyvernRunLink
from jobraker.appliers.outcomes import outcome_of
from jobraker.appliers.skyvern import TERMINAL, SkyvernApplier, SkyvernRun, SkyvernUnknownOutcome
from jobraker.domain.application import Status
from jobraker.domain.service import Jobraker, NotFound
from jobraker.privacy.keyring import SubjectErased


def record_outcome(jobraker: Jobraker, run: SkyvernRun) -> str:
    """Map a terminal run to the application's next state (appliers/outcomes.py) and keep what
    Skyvern reported. Deliveries are retried by Skyvern: the application's own state makes a
    repeat a no-op, and a run that is no longer the application's current one changes nothing."""
    link = SkyvernRunLink.objects.filter(run_id=run.run_id).first()
    if link is None:
        return "unknown run"
    application = jobraker.get_application(UUID(str(link.application_id)))
    if application.run_id is not None and application.run_id != run.run_id:
        return "not the current run"
    code, outcome, reasoning = outcome_of(run) if run.status in TERMINAL else ("", None, "")
    if outcome is None:
        return "not terminal"
    if not application.can(outcome.action):
        return "already recorded"
    application.record_run_report(run.run_id, run.status, code, run.evidence())
    outcome.apply(jobraker, application, run, reasoning)
    try:
        jobraker.save(application)
    except SubjectErased:  # nothing is recorded for an erased candidate; Skyvern need not retry
        return "candidate erased"
    return "recorded"


def poll_silent_runs(jobraker: Jobraker, skyvern: SkyvernApplier, older_than_minutes: int = 20) -> dict[str, str]:
    """Runs whose webhook never came: ask Skyvern, and record a terminal outcome as the webhook would."""
    from datetime import timedelta

    from django.utils import timezone

    outcomes = {}
    silent = SkyvernRunLink.objects.filter(created_at__lt=timezone.now() - timedelta(minutes=older_than_minutes))
    for link in silent:
        try:
            application = jobraker.get_application(UUID(str(link.application_id)))
        except NotFound:  # one bad link must not stop the others being asked
            outcomes[link.run_id] = "not asked: no such application"
            continue
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
