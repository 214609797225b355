"""The labelled matching set (bench/data/matching/): listings, candidates and their grades.

Listings are either real Adzuna adverts, named by fixture file and id in the shared
captures (``shared/fixtures/adzuna``, see its SOURCES.md), or written for this set in
the same wire shape. Each carries hand labels read from its title and text: ``family``
(the occupation), ``level`` (0 graduate/intern, 1 junior, 2 mid, 3 senior, 4
lead/principal/head; null when the advert does not say) and ``remote`` (the advert says
the job can be done from home). Grades are in grades.csv (see matching_grades.py)."""

from __future__ import annotations

import csv
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "matching"


def shared_fixtures() -> Path:
    """The shared Adzuna captures: $JOBRAKER_SHARED_DIR, or the first shared/ above the repo."""
    if os.environ.get("JOBRAKER_SHARED_DIR"):
        return Path(os.environ["JOBRAKER_SHARED_DIR"]) / "fixtures" / "adzuna"
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures" / "adzuna"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/fixtures/adzuna not found; set JOBRAKER_SHARED_DIR")


@cache
def _fixture(name: str) -> dict[str, dict[str, Any]]:
    results = json.loads((shared_fixtures() / name).read_text())["results"]
    return {str(job["id"]): job for job in results}


def listings() -> list[dict[str, Any]]:
    """Every listing with its raw Adzuna job under ``adzuna`` and its ``origin``."""
    rows = []
    for line in (DATA / "listings.jsonl").read_text().splitlines():
        row = json.loads(line)
        if "fixture" in row:
            row["adzuna"] = _fixture(row["fixture"])[row["id"]]
            row["origin"] = "adzuna"
        else:
            row["origin"] = "written"
        rows.append(row)
    return rows


def candidates() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / "candidates.jsonl").read_text().splitlines()]


def grades() -> dict[tuple[str, str], int]:
    with (DATA / "grades.csv").open() as f:
        return {(row["candidate"], row["listing"]): int(row["grade"]) for row in csv.DictReader(f)}
