"""When Jobraker may apply on its own: the candidate switched auto-apply on, the auto-apply
consent is in force, the match is good enough, and the company is not one they excluded.
(The daily cap is counted where submissions happen, across all workers.)"""

from __future__ import annotations

from dataclasses import dataclass

from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED


@dataclass(frozen=True)
class Decision:
    queue: bool
    reason: str


def auto_apply_decision(candidate: Candidate, score: int, company: str) -> Decision:
    if not candidate.is_active:
        return Decision(False, "the candidate is not active")
    if not candidate.auto_apply.enabled:
        return Decision(False, "auto-apply is off")
    if not candidate.has_consent("auto_apply"):
        return Decision(False, "no auto-apply consent")
    if score < candidate.auto_apply.min_score:
        return Decision(False, f"score {score} is below the threshold {candidate.auto_apply.min_score}")
    excluded = () if candidate.preferences is ERASED else candidate.preferences.excluded_companies
    if company.strip().lower() in {c.lower() for c in excluded}:
        return Decision(False, f"{company} is excluded")
    return Decision(True, "auto-apply rules met")
