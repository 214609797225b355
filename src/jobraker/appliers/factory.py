"""The applier this process uses: Skyvern with a key (under `jobraker up` without a key: its
Skyvern sandbox, labelled "sandbox"), else the dry-run applier."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from jobraker.appliers.halt import SkyvernHalt
from jobraker.appliers.skyvern import Applier, DryRunApplier, SkyvernApplier
from jobraker.components import components
from jobraker.config import Settings, get_settings
from jobraker.domain.candidate import Candidate
from jobraker.domain.commands.applications import Preparer
from jobraker.domain.job import Job

if TYPE_CHECKING:
    from jobraker.appliers.cover_letter import LetterWriter


def applier() -> Applier:
    """This process's applier (the composition root builds it from the settings of the moment)."""
    return components().applier()


def applier_for(settings: Settings) -> Applier:
    if settings.skyvern_api_key is None:
        return DryRunApplier()
    name = "sandbox" if settings.skyvern_sandbox else "skyvern"
    return SkyvernApplier(settings.skyvern_base_url, settings.skyvern_api_key.get_secret_value(), name=name)


def skyvern_applier() -> SkyvernApplier | None:
    """The Skyvern client (real or sandbox) when a key is set: for the calls beyond running tasks
    (deleting uploaded files). None without a key."""
    chosen = applier()
    return chosen if isinstance(chosen, SkyvernApplier) else None


def webhook_url() -> str:
    return get_settings().public_url.rstrip("/") + "/api/v1/webhooks/skyvern"


def approval_preparer() -> Preparer:
    """What approve mode shows the candidate (the payload, and the cover letter with the guard's
    verdict when a chat model writes them) and how long they have to approve it."""
    from jobraker.appliers.submit import preparer

    prepare = preparer(webhook_url(), timedelta(hours=get_settings().approval_window_hours))
    letters = letter_writer()
    if letters is None:
        return prepare

    def prepare_with_letter(candidate: Candidate, job: Job) -> tuple[Any, ...]:
        payload, expires_at = prepare(candidate, job)
        payload, review = letters.for_approval(candidate, job, payload)
        return payload, expires_at, review

    return prepare_with_letter


def letter_writer() -> LetterWriter | None:
    """Cover letters, when a chat model is configured (and JOBRAKER_COVER_LETTERS is not false)."""
    settings = get_settings()
    if not (settings.cover_letters and settings.chat_configured):
        return None  # without importing the OpenAI SDK: it takes a second, on every worker's first submission
    from jobraker.appliers.cover_letter import LetterWriter

    return LetterWriter(settings)


def halt(redis: Any) -> SkyvernHalt | None:
    """The stop flag for this process's Skyvern key (None without a key: nothing is sent anyway)."""
    key = get_settings().skyvern_api_key
    return SkyvernHalt(redis, key.get_secret_value()) if key is not None else None
