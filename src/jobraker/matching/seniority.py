"""Seniority: the level a listing asks for (from its title, then from the years of
experience its text asks for) against the level a candidate's years of experience give.

Levels: 0 graduate/intern/entry, 1 junior, 2 mid, 3 senior, 4 lead/principal/head."""

from __future__ import annotations

import re

GRADUATE, JUNIOR, MID, SENIOR, LEAD = range(5)

# Title words, strongest first: "Lead Backend Engineer" is a lead role, "Senior Graduate …" is not a thing.
_TITLE_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = tuple(
    (level, re.compile(rf"\b(?:{words})\b", re.IGNORECASE))
    for level, words in (
        (LEAD, r"head of|lead|principal|staff engineer|director|architect|vp|chief|manager of|tech lead"),
        (SENIOR, r"senior|sr\.?|snr|iii|experienced"),
        (GRADUATE, r"graduate|intern|internship|new grad|trainee|apprentice|entry[- ]level|débutant"),
        (JUNIOR, r"junior|jr\.?|ii\b|associate"),
    )
)
# "5+ years", "at least 3 years", "3-5 years", "4 years' experience", "8+ Jahre", "3 ans d'expérience".
_YEARS = re.compile(
    r"(?:at least|minimum of|min\.?|over)?\s*(\d{1,2})\s*(?:\+|plus)?\s*(?:-|–|to)?\s*(\d{1,2})?\s*\+?\s*"
    r"(?:years?|yrs?|jahre|ans)\b",
    re.IGNORECASE,
)


def level_of_years(years: int) -> int:
    if years <= 0:
        return GRADUATE
    if years <= 2:
        return JUNIOR
    if years <= 5:
        return MID
    return SENIOR if years <= 9 else LEAD


def asked_level(title: str, description: str = "") -> int | None:
    """The level the listing asks for, or None when it does not say."""
    for level, pattern in _TITLE_LEVELS:
        if pattern.search(title):
            return level
    years = asked_years(description)
    return None if years is None else level_of_years(years)


def asked_years(description: str) -> int | None:
    """The fewest years of experience the text asks for (the lower end of a range)."""
    found = [int(m.group(1)) for m in _YEARS.finditer(description) if _is_experience(description, m)]
    found = [y for y in found if 0 < y <= 12]  # more is a company's age, not an ask
    return min(found) if found else None


def _is_experience(text: str, match: re.Match[str]) -> bool:
    # "Founded 15 years ago", "a 3-year contract" are not asks; "3 years of Python", "5+ years experience" are.
    after = text[match.end() : match.end() + 40].lower()
    before = text[max(0, match.start() - 25) : match.start()].lower()
    company = re.search(r"\b(?:founded|has|have|over the|for over|since)\b", before)
    return not re.match(r"\s*(?:ago|old|contract|warranty|of (?:history|heritage|growth))", after) and not company


def fit(candidate_years: int, asked: int | None) -> float:
    """1.0 when the listing's level suits the candidate; lower for a stretch or over-qualification.

    One level above is a stretch (0.6) except a graduate's junior roles; two or more above is
    out of reach (0.15); two or more below is over-qualified (0.7). Unstated: 0.9."""
    if asked is None:
        return 0.9
    level = level_of_years(candidate_years)
    if asked >= level + 2:
        return 0.15
    if asked == level + 1:
        return 1.0 if level == GRADUATE else 0.6
    return 0.7 if asked <= level - 2 else 1.0
