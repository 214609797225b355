"""What Jobraker does with a match on its own, per the candidate's automation mode: in off
and suggest mode nothing is ever sent; in approve mode a good match is prepared for the
candidate's approval; in full mode it is queued. "Good" means: the candidate is active, the
auto-apply consent is in force, the score reaches the strategy's minimum, the company is not
excluded, and — under a strict strategy — no "nice to have" preference is missed.
(The daily cap is counted where submissions happen, across all workers.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED

NOTHING, PREPARE, QUEUE = "none", "prepare", "queue"


@dataclass(frozen=True)
class Decision:
    action: str  # none | prepare | queue
    reason: str
    automation: dict[str, Any] = field(default_factory=dict)  # mode, strategy and values in force

    @property
    def queue(self) -> bool:
        return self.action == QUEUE

    @property
    def prepare(self) -> bool:
        return self.action == PREPARE


def auto_apply_decision(candidate: Candidate, score: int, company: str, soft_misses: Iterable[str] = ()) -> Decision:
    settings = candidate.auto_apply
    automation = {**settings.effective(), "soft_misses": sorted(soft_misses)}

    def decide(action: str, reason: str) -> Decision:
        return Decision(action, reason, automation)

    if not candidate.is_active:
        return decide(NOTHING, "the candidate is not active")
    if settings.mode == "off":
        return decide(NOTHING, "auto-apply is off")
    if settings.mode == "suggest":
        return decide(NOTHING, "suggest mode: matches only")
    if not candidate.has_consent("auto_apply"):
        return decide(NOTHING, "no auto-apply consent")
    if score < settings.min_score:
        return decide(NOTHING, f"score {score} is below the threshold {settings.min_score}")
    excluded = () if candidate.preferences is ERASED else candidate.preferences.excluded_companies
    if company.strip().lower() in {c.lower() for c in excluded}:
        return decide(NOTHING, f"{company} is excluded")
    if settings.strict_filters and automation["soft_misses"]:
        return decide(NOTHING, f"a strict strategy refuses a job that misses {', '.join(automation['soft_misses'])}")
    if settings.mode == "approve":
        return decide(PREPARE, "auto-apply rules met; waiting for the candidate's approval")
    return decide(QUEUE, "auto-apply rules met")
