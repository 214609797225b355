"""The nearest acceptable jobs by meaning: read from the HNSW index and then filtered, or, when
too few of the index's nearest are acceptable, by the exact distance over the filtered jobs.
Both give the exact answer on the fixture listings."""

# ruff: noqa: F811  (test arguments named like the fixtures imported from test_matching)

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from pgvector.django import CosineDistance

from jobraker.matching import scoring
from jobraker.matching.filters import apply_filters
from jobraker.matching.service import Seeker
from jobraker.projections.models import JobRecord, JobVector

from .test_matching import ada, market, provider  # noqa: F401  (their fixtures, shared)


def acceptable_jobs(market, ada):
    jobs = JobRecord.objects.filter(id__in=list(market.values()))
    return apply_filters(jobs, Seeker.load(ada).wants, count=False)[0]


def exact_nearest(jobs, vector, n):
    rows = (JobVector.objects.filter(job_id__in=jobs.values("id"))
            .annotate(distance=CosineDistance("embedding", vector)).order_by("distance")[:n])
    return [row.job_id for row in rows]


def vector_of(candidate_id, timeout: float = 30.0):
    """The candidate's vector, once written: embedding is a worker's job now, and in a full run the
    live projector's thread may hold the pending row (its lease) while this test reads."""
    import time

    deadline = time.monotonic() + timeout
    while (vector := Seeker.load(candidate_id).vector) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert vector is not None, "the candidate's vector was never written"
    return vector


def nearest(jobs, vector):
    with CaptureQueriesContext(connection) as queries:
        found = scoring._nearest(jobs, vector)
    exact_used = any("IN (SELECT" in q["sql"] and "<=>" in q["sql"] for q in queries.captured_queries)
    return sorted(found, key=lambda job_id: -found[job_id]), exact_used


def test_the_index_path_finds_the_exact_nearest_acceptable_jobs(market, ada, monkeypatch):
    jobs = acceptable_jobs(market, ada)
    assert jobs.count() >= 3
    monkeypatch.setattr(scoring, "POOL", 3)
    monkeypatch.setattr(scoring, "INDEX_CANDIDATES", JobVector.objects.count())  # every job is a candidate
    vector = vector_of(ada)
    found, exact_used = nearest(jobs, vector)
    assert not exact_used
    assert found == exact_nearest(jobs, vector, 3)


def test_too_few_acceptable_among_the_index_nearest_falls_back_to_exact(market, ada, monkeypatch):
    jobs = acceptable_jobs(market, ada)
    monkeypatch.setattr(scoring, "POOL", 3)
    monkeypatch.setattr(scoring, "INDEX_CANDIDATES", 1)  # one candidate cannot fill a pool of three
    vector = vector_of(ada)
    found, exact_used = nearest(jobs, vector)
    assert exact_used
    assert found == exact_nearest(jobs, vector, 3)
