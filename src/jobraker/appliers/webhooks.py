"""Skyvern's webhook: only signed deliveries count; each run's outcome is recorded once."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import httpx

from jobraker.appliers.models import SkyvernRunLink
from jobraker.appliers.outcomes import outcome_of
from jobraker.appliers.skyvern import TERMINAL, SkyvernApplier, SkyvernRun, SkyvernUnknownOutcome
from jobraker.domain.application import Status
from jobraker.domain.errors import NotFound
from jobraker.domain.service import Jobraker
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


def next_poll_delay(polls: int, deadline_seconds: float, max_seconds: float) -> float:
    """Seconds until Skyvern is asked again after ``polls`` unfinished answers: the webhook
    deadline, doubled each time, never more than the ceiling."""
    return min(max_seconds, deadline_seconds * 2 ** min(polls, 30))


def poll_silent_runs(jobraker: Jobraker, skyvern: SkyvernApplier, now: datetime | None = None) -> dict[str, str]:
    """Runs whose webhook deadline has passed (``SkyvernRunLink.next_poll_at``): ask Skyvern, and
    record a terminal outcome as the webhook would. A run not finished yet (or an error asking)
    is asked again later, backing off; a settled application's run is never asked again."""
    from django.utils import timezone

    from jobraker.config import get_settings

    now = now or timezone.now()
    settings = get_settings()
    outcomes = {}
    for link in SkyvernRunLink.objects.filter(next_poll_at__lte=now).order_by("next_poll_at")[:POLL_BATCH]:
        outcome = _ask(jobraker, skyvern, link)
        outcomes[link.run_id] = outcome
        if outcome in SETTLED:
            link.next_poll_at = None
        else:
            link.next_poll_at = now + timedelta(seconds=next_poll_delay(
                link.polls, settings.skyvern_webhook_deadline_seconds, settings.skyvern_poll_max_seconds))
            link.polls += 1
        link.save(update_fields=["next_poll_at", "polls"])
    return outcomes


POLL_BATCH = 500
# Outcomes after which the run is never asked about again.
SETTLED = {"recorded", "already recorded", "not the current run", "unknown run", "candidate erased", "settled",
           "unknown to Skyvern: needs review", "not asked: no such application"}


def _ask(jobraker: Jobraker, skyvern: SkyvernApplier, link: SkyvernRunLink) -> str:
    try:
        application = jobraker.get_application(UUID(str(link.application_id)))
    except NotFound:  # one bad link must not stop the others being asked
        return "not asked: no such application"
    if application.status is not Status.SUBMITTING:
        return "settled"
    try:
        run = skyvern.get_run(link.run_id)
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code != 404:
            return f"not asked: Skyvern answered {exc.response.status_code}"  # one run's error must not stop the others
        # Skyvern has no such run (e.g. the sandbox restarted): whether it ran is unknown.
        application.flag_for_review(f"Skyvern has no record of run {link.run_id}; whether it was sent is unknown")
        try:
            jobraker.save(application)
        except SubjectErased:
            return "candidate erased"
        return "unknown to Skyvern: needs review"
    except httpx.TransportError as exc:
        return f"not asked: {type(exc).__name__}"
    except SkyvernUnknownOutcome as exc:  # an unreadable answer: ask again next time
        return f"not asked: {exc}"
    return record_outcome(jobraker, run)
