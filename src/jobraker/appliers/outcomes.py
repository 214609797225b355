"""What a finished Skyvern run means for its application: one table.

A run ends with a status (completed, failed, terminated, canceled, timed_out) and, when the
agent stopped for one of the reasons Jobraker gave it (payload.ERROR_CODES, sent as
``error_code_mapping``), that code in ``errors``. ``OUTCOMES`` maps each code, then each
status, to the application's next step. The agent's reasoning quotes the employer's page (a
question the form asks, a "position closed" banner): it is untrusted listing text, made
plain here and fenced wherever it goes into a prompt; it is kept sealed in the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobraker.appliers.skyvern import SkyvernRun
from jobraker.appliers.verification import verify
from jobraker.domain.application import Actor, Application
from jobraker.domain.service import Jobraker
from jobraker.domain.untrusted import plain

REASONING_CHARS = 400


@dataclass(frozen=True)
class Outcome:
    action: str  # the Application command (TRANSITIONS key) it leads to
    apply: Callable[[Jobraker, Application, SkyvernRun, str], None]


def _posting_closed(jobraker: Jobraker, application: Application, run: SkyvernRun, reasoning: str) -> None:
    application.record_posting_closed(_with("The posting is closed", reasoning))
    jobraker.expire_job(application.job_id, reason="its page says it is closed")  # no one else is sent to it either


def _completed(jobraker: Jobraker, application: Application, run: SkyvernRun, reasoning: str) -> None:
    """Submitted only with a confirmation from the employer's site; else unverified, saying why."""
    verdict = verify(run.output)
    if verdict.confirmed:
        application.record_submitted(Actor.SYSTEM, confirmation=verdict.evidence)
    else:
        application.record_unverified(verdict.evidence)


def _failed(jobraker: Jobraker, application: Application, run: SkyvernRun, reasoning: str) -> None:
    application.record_failure(plain(run.failure_reason, 500) or f"Skyvern run {run.status}", retryable=False)


OUTCOMES: dict[str, Outcome] = {
    # Error codes the agent stopped with.
    "posting_closed": Outcome("record_posting_closed", _posting_closed),
    "login_required": Outcome("flag_for_review", lambda j, a, r, why: a.flag_for_review(
        _with("The application form needs a sign-in, which Jobraker does not do", why))),
    "captcha": Outcome("flag_for_review", lambda j, a, r, why: a.flag_for_review(
        _with("A captcha blocked the application form", why))),
    "question_unanswered": Outcome("request_input", lambda j, a, r, why: a.request_input(
        why or "The form asked a required question that your answers do not cover.")),
    "already_applied": Outcome("record_already_applied", lambda j, a, r, why: a.record_already_applied(
        _with("The employer's site says you applied before", why))),
    # Run statuses, when no known code was reported.
    "completed": Outcome("record_submitted", _completed),
    "failed": Outcome("record_failure", _failed),
    "terminated": Outcome("record_failure", _failed),
    "canceled": Outcome("record_failure", _failed),
    "timed_out": Outcome("flag_for_review", lambda j, a, r, why: a.flag_for_review(
        "Skyvern timed out; the form may or may not have been sent")),
}


def outcome_of(run: SkyvernRun) -> tuple[str, Outcome | None, str]:
    """(error code or "", what it leads to, the agent's reasoning made plain) for a run."""
    for code, reasoning in run.error_codes():
        if code in OUTCOMES and code not in ("completed", "failed", "terminated", "canceled", "timed_out"):
            return code, OUTCOMES[code], plain(reasoning, REASONING_CHARS)
    return "", OUTCOMES.get(run.status), ""


def _with(what: str, reasoning: str) -> str:
    return f"{what}: {reasoning}" if reasoning else f"{what}."
