"""Remote, hybrid or on-site read from title, location and description (pure: no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.matching.remote import HYBRID, ONSITE, REMOTE, UNKNOWN, read_work_mode
from jobraker.sources.adzuna_models import AdzunaSearchResults

CAPTURES = Path("/work/shared/fixtures/adzuna")


def real_listings():
    for path in sorted(CAPTURES.glob("*.json")):
        body = json.loads(path.read_text())
        if "results" in body:
            yield from AdzunaSearchResults.model_validate(body).results


@pytest.mark.parametrize("description, mode", [
    ("Senior Frontend Engineer DeFi Trading Platform Remote: (HQ: London) £100K - £140K", REMOTE),
    ("NEW CONTRACT FRONT-END DEVELOPER ROLE AVAILABLE - FULLY REMOTE (UK-BASED)", REMOTE),
    ("Great team. WFH whenever you like.", REMOTE),
    ("Location: London, Bristol, or Cambridge (Hybrid - 2-3 days per week in office)", HYBRID),
    ("Technical Lead Hybrid (1 day pw onsite) Surrey", HYBRID),
    ("Work from home on Fridays, 4 days in the office", HYBRID),
    ("This is not a remote role: you will be on-site in Leeds.", ONSITE),
    ("We build remote monitoring for patients.", UNKNOWN),
    ("100% Homeoffice, ortsunabhängig", REMOTE),
    ("Hybrides Arbeiten: 2 Tage vor Ort", HYBRID),
    ("Poste 100% télétravail", REMOTE),
    ("Télétravail partiel possible, 3 jours sur site", HYBRID),
    ("Poste en présentiel à Lyon", ONSITE),
])
def test_the_description_says_where_the_work_is(description, mode):
    found = read_work_mode("Developer", "London", description)
    assert found.mode == mode
    assert bool(found.evidence) == (mode != UNKNOWN)
    assert all(e.startswith("description: ") for e in found.evidence)


def test_title_and_location_count_the_bare_word():
    assert read_work_mode("Remote Tax Advisor – Canada", "Canada", "").evidence == ("title: Remote Tax Advisor – Canada",)
    assert read_work_mode("Tax Advisor", "Remote", "").mode == REMOTE
    assert read_work_mode("Tax Advisor", "Leeds", "", flagged_remote=True).evidence == ("listing: marked remote",)


def test_the_real_captures_mostly_say_it_in_the_description():
    modes = [(job, read_work_mode(job.title, job.location.display_name, job.description)) for job in real_listings()]
    said = [(job, mode) for job, mode in modes if mode.mode in (REMOTE, HYBRID)]
    in_title_or_location = [job for job, _ in said if "remote" in f"{job.title} {job.location.display_name}".lower()]
    assert len(modes) == 93
    assert len(said) >= 24 and len(in_title_or_location) <= 5  # the old reading found 4
    assert any("Remote: (HQ: London)" in e for _, mode in said for e in mode.evidence)


@given(st.text(max_size=200), st.text(max_size=60), st.text(max_size=60))
def test_every_piece_of_evidence_is_quoted_from_the_listing(description, title, location):
    found = read_work_mode(title, location, description)
    texts = {"title": title, "location": location, "description": description}
    for quote in found.evidence:
        field_name, _, words = quote.partition(": ")
        assert field_name in texts
        assert words.strip("…") in " ".join(texts[field_name].split()) or "…" in words
