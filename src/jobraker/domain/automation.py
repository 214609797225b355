"""How far Jobraker acts for a candidate (the automation mode) and how boldly (the strategy).

Modes, from least to most automatic:

- ``off``: Jobraker records no matches and sends nothing.
- ``suggest``: matches are recorded for the candidate to act on; nothing is sent.
- ``approve``: each submission is prepared and shown to the candidate; only one they
  approve is sent, and an unanswered one expires.
- ``full``: good matches are queued and sent without asking.

A strategy sets four levels — the minimum match score, the daily cap on submissions, whether
"nice to have" preferences (location/remote, salary floor, contract, hours) are hard filters
or only noted, and the company limit (at most that many applications to one company in
``PACING_WINDOW``) — and the candidate may override any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jobraker.domain.errors import InvalidValue

MODES = ("off", "suggest", "approve", "full")
# Modes in which something may be sent to an employer; both need the auto_apply consent.
SENDING_MODES = frozenset({"approve", "full"})
# Modes in which Jobraker records the matches it finds.
MATCHING_MODES = frozenset({"suggest", "approve", "full"})
MAX_DAILY_CAP = 100
MAX_COMPANY_LIMIT = 20
# The company limit counts the applications Jobraker queued or prepared in this window.
PACING_WINDOW = timedelta(days=30)
LEVEL_NAMES = ("min_score", "daily_cap", "strict_filters", "company_limit")


@dataclass(frozen=True)
class Levels:
    min_score: int
    daily_cap: int
    strict_filters: bool
    company_limit: int


STRATEGIES: dict[str, Levels] = {
    "selective": Levels(min_score=80, daily_cap=5, strict_filters=True, company_limit=2),
    # The defaults auto-apply had before strategies existed (70 and 10, every filter hard).
    "balanced": Levels(min_score=70, daily_cap=10, strict_filters=True, company_limit=2),
    "aggressive": Levels(min_score=55, daily_cap=25, strict_filters=False, company_limit=3),
}
DEFAULT_STRATEGY = "balanced"

# Filters a non-strict strategy only notes instead of removing the job (see matching/filters.py).
SOFT_FILTERS = frozenset({"location_or_remote", "salary_below_floor", "contract", "hours"})


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidValue(f"mode must be one of {', '.join(MODES)}")
    return mode


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise InvalidValue(f"strategy must be one of {', '.join(STRATEGIES)}")
    return strategy


def check_min_score(value: int | None) -> None:
    if value is not None and not 0 <= value <= 100:
        raise InvalidValue("min_score must be between 0 and 100")


def check_daily_cap(value: int | None) -> None:
    if value is not None and not 1 <= value <= MAX_DAILY_CAP:
        raise InvalidValue(f"daily_cap must be between 1 and {MAX_DAILY_CAP}")


def check_company_limit(value: int | None) -> None:
    if value is not None and not 1 <= value <= MAX_COMPANY_LIMIT:
        raise InvalidValue(f"company_limit must be between 1 and {MAX_COMPANY_LIMIT}")


def levels_table() -> dict[str, dict[str, Any]]:
    return {name: vars(levels).copy() for name, levels in STRATEGIES.items()}
