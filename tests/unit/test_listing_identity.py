"""The rules that tell two listings of one real job (domain/listing_identity.py), on real
Adzuna captures (bench/data/adzuna_captures): pure, no services."""

from __future__ import annotations

import json
from pathlib import Path

from jobraker.domain.listing_identity import fingerprint, same_job, similarity, title_tokens
from jobraker.sources.adzuna_models import AdzunaSearchResults

CAPTURES = Path(__file__).resolve().parents[2] / "bench" / "data" / "adzuna_captures"


def listings(name: str) -> list[dict]:
    results = AdzunaSearchResults.model_validate(json.loads((CAPTURES / name).read_text())).results
    return [job.as_listing(name[:2]) for job in results]


def fp(listing: dict):  # type: ignore[no-untyped-def]
    return fingerprint(listing["company"], listing["title"], listing["location"], listing["description"])


def test_the_same_text_in_two_towns_is_two_openings():
    first, second = listings("fr_jobnow_dataexam_10.json")[:2]  # Predictis, one text per town
    assert first["description"][:200] == second["description"][:200] and first["location"] != second["location"]
    assert not same_job(fp(first), fp(second))


def test_the_employers_board_version_of_an_adzuna_listing_is_the_same_job():
    adzuna = listings("gb_josef5_realistic_50.json")[1]
    board = {**adzuna, "company": adzuna["company"] + " Ltd", "title": adzuna["title"].replace("Senior", "Sr."),
             "location": f"{adzuna['location']}, England, United Kingdom",
             "description": "We value diversity. " + adzuna["description"].rstrip("…") + " Benefits: pension."}
    assert same_job(fp(adzuna), fp(board))


def test_other_roles_at_one_company_are_not_linked():
    intuit = listings("ca_idx7747931680_excerpt4.json")
    for i, a in enumerate(intuit):
        for b in intuit[i + 1:]:
            assert not same_job(fp(a), fp(b)), (a["title"], b["title"])


def test_a_different_company_is_never_the_same_job():
    a = listings("it_idx65769280365_3.json")[0]
    assert similarity(fp(a), fp({**a, "company": "Another Company Srl"})) == 0.0


def test_titles_fold_abbreviations_and_noise():
    assert title_tokens("Sr. Software Dev (m/w/d) - Remote") == title_tokens("Senior Software Developer")
