"""How many jobs each hard filter removed: counted in one scan (grouped by which filters each
job passes), equal to applying the filters one by one and counting after each."""

# ruff: noqa: F811  (test arguments named like the fixtures imported from test_matching)

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobraker.matching.filters import (
    FILTERS,
    _count_removed,
    apply_filters,
    removed_by_filter,
)
from jobraker.matching.service import Seeker
from jobraker.projections.models import JobRecord

from .test_matching import ada, market, provider  # noqa: F401  (their fixtures, shared)


def counted_one_by_one(jobs, wants) -> dict[str, int]:
    """The definition: what remained before a filter minus what remains after it."""
    removed, remaining = {}, jobs.count()
    for name, keep in FILTERS:
        jobs = jobs.filter(keep(wants))
        now = jobs.count()
        removed[name], remaining = remaining - now, now
    return removed


def market_jobs(market):
    return JobRecord.objects.filter(id__in=list(market.values()))


def test_one_scan_counts_what_filtering_one_by_one_counts(market, ada):
    wants = Seeker.load(ada).wants
    keeps = [(name, keep(wants)) for name, keep in FILTERS]
    counts = _count_removed(market_jobs(market), keeps)
    assert counts == counted_one_by_one(market_jobs(market), wants)
    assert list(counts) == [name for name, _ in FILTERS]  # reported in the order they apply
    kept, _ = apply_filters(market_jobs(market), wants, count=False)
    assert sum(counts.values()) + kept.count() == len(market)
    assert sum(1 for n in counts.values() if n) >= 5  # the listings exercise most filters


def test_a_candidate_without_wants_has_nothing_removed_but_expired_and_applied(market, jobraker, projector):
    from ..conftest import unique_email

    candidate_id, _ = jobraker.register_candidate(unique_email(), "No Wishes", "h")
    projector.catch_up()
    wants = Seeker.load(candidate_id).wants
    counts = _count_removed(market_jobs(market), [(name, keep(wants)) for name, keep in FILTERS])
    assert counts == counted_one_by_one(market_jobs(market), wants)
    assert all(n == 0 for name, n in counts.items() if name not in ("expired", "already_applied"))


def test_counts_for_the_same_wants_are_served_from_the_cache(market, ada):
    wants = Seeker.load(ada).wants
    keeps = [(name, keep(wants)) for name, keep in FILTERS]
    first = removed_by_filter(market_jobs(market), wants, keeps)
    with CaptureQueriesContext(connection) as queries:
        again = removed_by_filter(market_jobs(market), wants, keeps)
    assert again == first
    assert not [q for q in queries.captured_queries if "jobraker_jobs" in q["sql"]]
