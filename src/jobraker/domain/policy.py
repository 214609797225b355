"""What Jobraker does with a match on its own, per the candidate's automation mode: in off
and suggest mode nothing is ever sent; in approve mode a good match is prepared for the
candidate's approval; in full mode it is queued. "Good" means: the candidate is active, the
auto-apply consent is in force, the score reaches the strategy's minimum, the company is not
excluded, — under a strict strategy — no "nice to have" preference is missed, and the company
limit is not reached. (The daily cap is counted where submissions happen, across all workers.)

Every decision to send nothing carries a skip reason: a code of ``SKIP_REASONS``, recorded on
the application (``Application.SendSkipped``) so the candidate sees why a match was not sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jobraker.domain.automation import PACING_WINDOW
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import Erased

NOTHING, PREPARE, QUEUE = "none", "prepare", "queue"

# Why a match was not sent. Codes only (never personal text): they go into event fields as they are.
SKIP_REASONS = frozenset({
    "inactive", "suggest_mode", "no_consent", "below_score", "excluded_company", "strict_filters",
    "company_limit",  # decided here
    "cannot_prepare",  # approve mode where nothing can prepare a submission
    "daily_cap",  # counted at submission time (workers/actors.py): queued, waiting for tomorrow
    "needs_input",  # the run stopped for a question the candidate has not answered
})


@dataclass(frozen=True)
class Decision:
    action: str  # none | prepare | queue
    reason: str
    automation: dict[str, Any] = field(default_factory=dict)  # mode, strategy and values in force
    skip_reason: str = ""  # a code of SKIP_REASONS when nothing is sent ("" when off: nothing is recorded)

    @property
    def queue(self) -> bool:
        return self.action == QUEUE

    @property
    def prepare(self) -> bool:
        return self.action == PREPARE


def auto_apply_decision(
    candidate: Candidate, score: int, company: str, soft_misses: Iterable[str] = (), sent_to_company: int = 0,
) -> Decision:
    """``sent_to_company``: the candidate's applications to this company in the pacing window."""
    settings = candidate.auto_apply
    automation = {**settings.effective(), "soft_misses": sorted(soft_misses)}

    def skip(reason: str, code: str) -> Decision:
        return Decision(NOTHING, reason, automation, code)

    if not candidate.is_active:
        return skip("the candidate is not active", "inactive")
    if settings.mode == "off":
        return skip("auto-apply is off", "")
    if settings.mode == "suggest":
        return skip("suggest mode: matches only", "suggest_mode")
    if not candidate.has_consent("auto_apply"):
        return skip("no auto-apply consent", "no_consent")
    if score < settings.min_score:
        return skip(f"score {score} is below the threshold {settings.min_score}", "below_score")
    excluded = () if isinstance(candidate.preferences, Erased) else candidate.preferences.excluded_companies
    if company.strip().lower() in {c.lower() for c in excluded}:
        return skip(f"{company} is excluded", "excluded_company")
    if settings.strict_filters and automation["soft_misses"]:
        return skip(f"a strict strategy refuses a job that misses {', '.join(automation['soft_misses'])}", "strict_filters")
    if sent_to_company >= settings.company_limit:
        return skip(f"the company limit ({settings.company_limit} in {PACING_WINDOW.days} days) is reached", "company_limit")
    if settings.mode == "approve":
        return Decision(PREPARE, "auto-apply rules met; waiting for the candidate's approval", automation)
    return Decision(QUEUE, "auto-apply rules met", automation)
