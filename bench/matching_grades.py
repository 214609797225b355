"""Grades every (candidate, listing) pair of the matching set by the written rubric and
writes bench/data/matching/grades.csv. Run once when the set changes: `python
bench/matching_grades.py`. It reads only the hand labels, never any score.

Rubric (also in docs/benchmarks.md, "Matching quality"):

- **2 — strong fit**: a recruiter would put the candidate forward: the listing's occupation
  is one the candidate does (``strong``), at a level within their reach.
- **1 — plausible**: a neighbouring occupation they could credibly apply for
  (``plausible``), or their own occupation one level above their reach or two below it.
- **0 — irrelevant**: any other occupation (including the hard negatives: "Java barista"
  for a Java developer, "data entry" for a data scientist, "nursery nurse" for an RGN,
  "device driver engineer" for an HGV driver), a level two or more above their reach, a
  place they cannot work from, or stated pay below their floor.

Level: the candidate's from years of experience (0 → graduate, 1–2 → junior, 3–5 → mid,
6–9 → senior, 10+ → lead); the listing's as labelled (null: not stated, no effect). A level
one above lowers the grade by one (a graduate's junior roles excepted); two or more above
makes it 0; two or more below lowers it by one (over-qualified).

Place: the listing is workable if one of the candidate's places is a level of its
``location.area`` (or part of its display location), or if it is remote and the candidate
accepts remote; a listing outside the candidate's countries is never workable.

Pay: a stated (not predicted) top of range below the candidate's floor, converted at the
rates below, makes the pair 0.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching_set import DATA, candidates, listings

COUNTRY_CURRENCY = {"gb": "GBP", "us": "USD", "ca": "CAD", "fr": "EUR", "de": "EUR", "it": "EUR", "in": "INR"}
GBP_PER_UNIT = {"GBP": 1.0, "EUR": 0.85, "USD": 0.79, "CAD": 0.57, "INR": 0.0094}  # rough, for grading only


def candidate_level(years: int) -> int:
    return 0 if years == 0 else 1 if years <= 2 else 2 if years <= 5 else 3 if years <= 9 else 4


def occupation_grade(candidate: dict[str, Any], listing: dict[str, Any]) -> int:
    if listing["family"] in candidate["strong"]:
        return 2
    return 1 if listing["family"] in candidate["plausible"] else 0


def seniority_change(candidate: dict[str, Any], listing: dict[str, Any]) -> int | None:
    """How the level moves the grade: 0, -1, or None for "irrelevant whatever the occupation"."""
    asked = listing["level"]
    if asked is None:
        return 0
    level = candidate_level(candidate["profile"].get("years_experience", 0))
    if asked >= level + 2:
        return None
    if asked == level + 1:
        return 0 if level == 0 else -1
    return -1 if asked <= level - 2 else 0


def workable(candidate: dict[str, Any], listing: dict[str, Any]) -> bool:
    countries = candidate["preferences"].get("countries", [])
    if countries and listing["country"] not in countries:
        return False
    location = listing["adzuna"].get("location") or {}
    levels = [a.lower() for a in location.get("area") or []]
    display = (location.get("display_name") or "").lower()
    places = [p.lower() for p in candidate["profile"].get("locations", [])]
    if any(p in levels or p in display for p in places):
        return True
    return listing["remote"] and candidate["profile"].get("remote", "any") != "onsite"


def below_floor(candidate: dict[str, Any], listing: dict[str, Any]) -> bool:
    floor = candidate["profile"].get("salary_floor")
    job = listing["adzuna"]
    top = job.get("salary_max") or job.get("salary_min")
    if not floor or top is None or str(job.get("salary_is_predicted", "0")) in {"1", "true", "True"}:
        return False
    to_gbp = GBP_PER_UNIT[COUNTRY_CURRENCY[listing["country"]]]
    return top * to_gbp < floor * GBP_PER_UNIT[candidate["profile"].get("salary_currency", "GBP")]


def grade(candidate: dict[str, Any], listing: dict[str, Any]) -> int:
    change = seniority_change(candidate, listing)
    if change is None or not workable(candidate, listing) or below_floor(candidate, listing):
        return 0
    return max(0, occupation_grade(candidate, listing) + change) if occupation_grade(candidate, listing) else 0


def main() -> None:
    rows = [(c["key"], listing["key"], grade(c, listing)) for c in candidates() for listing in listings()]
    with (DATA / "grades.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["candidate", "listing", "grade"])
        writer.writerows(rows)
    counts = {g: sum(1 for *_, x in rows if x == g) for g in (2, 1, 0)}
    print(f"{len(rows)} pairs graded: {counts}")


if __name__ == "__main__":
    main()
