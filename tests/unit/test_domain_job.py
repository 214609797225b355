"""Property tests for the Job aggregate: identity, revisions, expiry, validation, upcasting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.job import CONTRACT_TIMES, CONTRACT_TYPES, MUTABLE_FIELDS, Job, job_id

# ---------------------------------------------------------------------------
# Strategies

SAFE_CHARS = st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t ")
MAX_SALARY = 10_000_000

required_texts = st.one_of(
    st.sampled_from(["Data Engineer", " Data Engineer ", "Acme Ltd", "Nurse (Band 5)"]),
    st.text(SAFE_CHARS, min_size=1, max_size=40).filter(lambda s: bool(s.strip())),
)
salaries = st.one_of(
    st.none(), st.sampled_from([0, 30_000, 30_000.0, 55_000, MAX_SALARY]),
    st.integers(0, MAX_SALARY), st.floats(0, MAX_SALARY),
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))]),
)

# Every field a revision may carry, each with valid values (the salary order is checked after merging).
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": required_texts,
    "company": required_texts,
    "location": st.sampled_from(["", "Leeds", "London"]) | st.text(SAFE_CHARS, max_size=20),
    "country": st.sampled_from(["", "gb", "ie"]),
    "description": st.sampled_from(["", "  ", "Build pipelines."]) | st.text(SAFE_CHARS, max_size=200),
    "url": st.sampled_from(["", "https://example.org/jobs/1"]),
    "salary_min": salaries,
    "salary_max": salaries,
    "salary_currency": st.sampled_from(["", "GBP", "EUR"]),
    "salary_is_predicted": st.booleans(),
    "contract_type": st.sampled_from(CONTRACT_TYPES),
    "contract_time": st.sampled_from(CONTRACT_TIMES),
    "remote": st.booleans(),
    "location_area": st.lists(st.sampled_from(["UK", "London", "West London", "Québec", "Orange County"]), max_size=4),
    "latitude": st.none() | st.floats(-90, 90),
    "longitude": st.none() | st.floats(-180, 180),
}
assert set(FIELD_VALUES) == set(MUTABLE_FIELDS)


def ordered_salaries(listing: dict[str, Any]) -> dict[str, Any]:
    low, high = listing.get("salary_min"), listing.get("salary_max")
    if low is not None and high is not None and low > high:
        listing = {**listing, "salary_min": high, "salary_max": low}
    return listing


listings = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["adzuna", "reed"]),
        "external_id": st.text(SAFE_CHARS, min_size=1, max_size=12).filter(lambda s: bool(s.strip())),
        "title": required_texts,
        "company": required_texts,
    },
    optional={**{k: v for k, v in FIELD_VALUES.items() if k not in ("title", "company")}, "posted_at": times},
).map(ordered_salaries)

# A later ingestion: any subset of the fields, plus keys revise must ignore.
revisions = st.fixed_dictionaries(
    {},
    optional={
        **FIELD_VALUES,
        "source": st.just("other-source"),
        "external_id": st.just("other-id"),
        "posted_at": times,
    },
)

DEFAULTS = {
    "location": "", "country": "", "description": "", "url": "", "salary_min": None, "salary_max": None,
    "salary_currency": "", "salary_is_predicted": False, "contract_type": "", "contract_time": "",
    "remote": False, "posted_at": None, "location_area": [], "latitude": None, "longitude": None,
}
TRIMMED = {"title", "company", "description", "location", "url"}


def normalised(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if k in TRIMMED else v for k, v in fields.items()}


def expected_after_post(listing: dict[str, Any]) -> dict[str, Any]:
    return normalised({**DEFAULTS, **listing})


def listing_of(job: Job) -> dict[str, Any]:
    return {k: getattr(job, k) for k in ("source", "external_id", "posted_at", *MUTABLE_FIELDS)}


def salaries_in_order(fields: dict[str, Any]) -> bool:
    low, high = fields["salary_min"], fields["salary_max"]
    return low is None or high is None or low <= high


def state_of(job: Job) -> dict[str, Any]:
    return {k: v for k, v in vars(job).items() if k != "_pending_events"}


def replay(events: list[Any]) -> Job:
    aggregate = None
    for e in events:
        aggregate = e.mutate(aggregate)
    assert aggregate is not None
    return aggregate


BASE = {"source": "adzuna", "external_id": "42", "title": "Data Engineer", "company": "Acme Ltd"}

# ---------------------------------------------------------------------------
# Identity


@given(first=listings, second=listings)
def test_the_same_listing_always_gets_the_same_id(first, second):
    second = {**second, "source": first["source"], "external_id": first["external_id"]}
    a, b = Job.post(**first), Job.post(**second)
    assert a.id == b.id == job_id(first["source"], first["external_id"])
    other = Job.post(**{**first, "external_id": first["external_id"] + "-x"})
    assert other.id != a.id


@pytest.mark.parametrize("field", ["external_id", "source", "location", "url"])
def test_control_characters_never_reach_the_store(field):
    """A NUL byte in any text field would stop every projection that stores it (Postgres refuses it)."""
    with pytest.raises(InvalidValue, match="control characters"):
        Job.post(**{**BASE, field: "bad\x00value"})


def test_ids_do_not_collide_across_sources():
    assert job_id("adzuna", "1") != job_id("reed", "1")
    assert Job.post(**BASE).id == job_id("adzuna", "42")


# ---------------------------------------------------------------------------
# Posting and revising


@given(listing=listings)
def test_posting_records_one_event_with_the_cleaned_listing(listing):
    job = Job.post(**listing)
    [posted] = job.collect_events()
    assert isinstance(posted, Job.Posted)
    assert listing_of(job) == expected_after_post(listing)
    assert job.version == 1 and not job.is_expired
    assert {k: getattr(posted, k) for k in listing_of(job)} == listing_of(job)


@given(listing=listings, spaced=st.booleans())
def test_revising_with_identical_values_records_nothing(listing, spaced):
    job = Job.post(**listing)
    job.collect_events()
    same = listing_of(job)
    if spaced:  # untrimmed text is the same listing once trimmed
        same = {**same, "title": f"  {same['title']} ", "company": f"{same['company']}\n"}
    job.revise(**same)
    job.revise()
    assert job.pending_events == [] and job.version == 1


@given(listing=listings, revision=revisions)
def test_revising_records_exactly_the_changed_fields(listing, revision):
    job = Job.post(**listing)
    job.collect_events()
    before = listing_of(job)
    merged = normalised({**before, **{k: v for k, v in revision.items() if k in MUTABLE_FIELDS}})
    if not salaries_in_order(merged):
        with pytest.raises(InvalidValue):
            job.revise(**revision)
        assert job.pending_events == [] and listing_of(job) == before
        return
    job.revise(**revision)
    changes = {k: v for k, v in merged.items() if k in MUTABLE_FIELDS and v != before[k]}
    events = job.collect_events()
    if not changes:
        assert events == []
        return
    [changed] = events
    assert isinstance(changed, Job.Changed)
    assert changed.changes == changes
    assert set(changed.changes) <= set(MUTABLE_FIELDS)
    assert all(changed.changes[k] != before[k] for k in changed.changes)
    assert listing_of(job) == {**before, **changes}
    # Identity and posting time never change.
    assert (job.source, job.external_id, job.posted_at) == (before["source"], before["external_id"], before["posted_at"])


def test_a_changed_title_is_the_only_change_recorded():
    job = Job.post(**BASE, salary_min=30_000, salary_max=40_000, remote=True)
    job.collect_events()
    job.revise(**{**BASE, "title": "Senior Data Engineer", "salary_min": 30_000.0, "salary_max": 40_000, "remote": True})
    [changed] = job.collect_events()
    assert changed.changes == {"title": "Senior Data Engineer"}


def test_expiry_is_idempotent_and_final():
    job = Job.post(**BASE)
    job.expire()
    job.expire()
    events = job.collect_events()
    assert [type(e) for e in events] == [Job.Posted, Job.Expired]
    assert job.is_expired and job.version == 2
    for revision in ({}, {"title": "Senior Data Engineer"}, BASE):
        with pytest.raises(IllegalTransition) as info:
            job.revise(**revision)
        assert str(info.value) == "cannot change the listing when the job has expired"
    job.expire()
    assert job.pending_events == [] and job.version == 2


BAD_LISTINGS = [
    pytest.param({"salary_min": 50_000, "salary_max": 40_000}, id="min-above-max"),
    pytest.param({"salary_min": -1}, id="negative-min"),
    pytest.param({"salary_max": -0.5}, id="negative-max"),
    pytest.param({"salary_max": MAX_SALARY + 1}, id="max-too-high"),
    pytest.param({"salary_min": float("nan")}, id="nan-salary"),
    pytest.param({"contract_type": "gig"}, id="bad-contract-type"),
    pytest.param({"contract_type": "Permanent"}, id="contract-type-case"),
    pytest.param({"contract_time": "weekends"}, id="bad-contract-time"),
    pytest.param({"title": ""}, id="empty-title"),
    pytest.param({"title": "   "}, id="blank-title"),
    pytest.param({"title": "x" * 301}, id="long-title"),
    pytest.param({"title": "Data\x00Engineer"}, id="control-in-title"),
    pytest.param({"company": ""}, id="empty-company"),
    pytest.param({"description": "bell\x07"}, id="control-in-description"),
]


@pytest.mark.parametrize("bad", BAD_LISTINGS)
def test_invalid_listings_are_refused(bad):
    with pytest.raises(InvalidValue):
        Job.post(**{**BASE, **bad})
    job = Job.post(**BASE)
    job.collect_events()
    with pytest.raises(InvalidValue):
        job.revise(**bad)
    assert job.pending_events == [] and job.version == 1 and job.title == "Data Engineer"


def test_a_revision_is_checked_against_the_current_salary():
    job = Job.post(**BASE, salary_min=30_000, salary_max=40_000)
    job.collect_events()
    with pytest.raises(InvalidValue):
        job.revise(salary_min=45_000)  # above the stored maximum
    job.revise(salary_min=45_000, salary_max=50_000)
    [changed] = job.collect_events()
    assert changed.changes == {"salary_min": 45_000, "salary_max": 50_000}


# ---------------------------------------------------------------------------
# Arbitrary histories


@settings(max_examples=150, deadline=None)
@given(listing=listings, history=st.lists(revisions, max_size=10), expire_at=st.none() | st.integers(0, 10))
def test_any_revision_history_replays_to_the_same_job(listing, history, expire_at):
    job = Job.post(**listing)
    events = list(job.collect_events())
    model = expected_after_post(listing)
    expired = False
    for i, revision in enumerate(history):
        if i == expire_at:
            job.expire()
            events.extend(job.collect_events())
            expired = True
        version = job.version
        merged = normalised({**model, **{k: v for k, v in revision.items() if k in MUTABLE_FIELDS}})
        if expired:
            with pytest.raises(IllegalTransition):
                job.revise(**revision)
        elif not salaries_in_order(merged):
            with pytest.raises(InvalidValue):
                job.revise(**revision)
        else:
            job.revise(**revision)
            changes = {k: v for k, v in merged.items() if k in MUTABLE_FIELDS and v != model[k]}
            assert job.version == version + (1 if changes else 0)
            model = {**model, **changes}
        recorded = job.collect_events()
        assert all(isinstance(e, Job.Changed) and e.changes for e in recorded)
        events.extend(recorded)
        assert listing_of(job) == model
        assert state_of(replay(events)) == state_of(job)
    assert job.is_expired == expired
    assert job.version == len(events)
    assert state_of(replay(events)) == state_of(job)

# (Through the real store: tests/integration/test_domain_job_store.py.)


@pytest.mark.parametrize("fields, message", [
    ({"country": "zz"}, "country"), ({"country": "gbr"}, "country"), ({"salary_currency": "ABC"}, "salary_currency"),
    ({"latitude": 91.0}, "latitude"), ({"longitude": -181.0}, "longitude"), ({"location_area": ["x"] * 11}, "location_area"),
])
def test_codes_and_coordinates_are_checked(fields, message):
    with pytest.raises(InvalidValue, match=message):
        Job.post(**BASE, **fields)


def test_uk_is_taken_for_gb():
    assert Job.post(**BASE, country="UK").country == "gb"
