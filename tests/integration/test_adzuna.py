"""Adzuna: the wire format's quirks, one quota shared through Redis, incremental de-duplicated
ingestion, and errors (401 stops, 429/5xx back off) — against a loopback server."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from jobraker.components import redis_client
from jobraker.domain.job import job_id
from jobraker.sources.adzuna_client import AdzunaAuthError, AdzunaClient, AdzunaTransientError
from jobraker.sources.adzuna_models import AdzunaJob
from jobraker.sources.adzuna_sandbox import SANDBOX_BASE_URL, sandbox_transport
from jobraker.sources.ingest import Ingestion, IngestReport, SavedSearch, saved_searches
from jobraker.sources.quota import AdzunaQuota, QuotaExhausted

from ..fakes.adzuna_server import FakeAdzuna, listing


@pytest.fixture
def quota():
    return AdzunaQuota(redis_client(), prefix=f"test:quota:{uuid.uuid4().hex}")


def test_wire_quirks_are_normalised():
    job = AdzunaJob.model_validate(listing(1, salary_is_predicted="1"))
    assert job.id == "900000001" and job.title == "Junior Python Developer 1"
    assert job.description == "Work on Python services & APIs, listing 1 …"
    assert job.salary_is_predicted is True
    bare = AdzunaJob.model_validate({"id": 42, "title": "T", "salary_is_predicted": 0, "contract_type": None})
    assert (bare.id, bare.salary_is_predicted, bare.contract_type, bare.company.display_name) == ("42", False, "", "")
    listing_fields = AdzunaJob.model_validate(listing(4)).as_listing("gb")
    assert listing_fields["contract_type"] == "permanent" and listing_fields["salary_currency"] == "GBP"


def test_quota_counts_every_call_in_all_four_windows(quota):
    small = AdzunaQuota(quota.client, prefix=quota.prefix, windows={"minute": (60, 3), "day": (86_400, 5)})
    now = 1_800_000_000.0
    for _ in range(3):
        small.acquire(now)
    with pytest.raises(QuotaExhausted) as full:
        small.acquire(now)
    assert full.value.window == "minute"
    small.acquire(now + 60)
    small.acquire(now + 61)
    with pytest.raises(QuotaExhausted) as full:
        small.acquire(now + 120)
    assert full.value.window == "day"
    assert small.usage(now + 120) == {"minute": {"used": 0, "limit": 3}, "day": {"used": 5, "limit": 5}}
    assert set(quota.usage()) == {"minute", "day", "week", "month"}


def test_ingestion_is_incremental_and_deduplicated(jobraker, quota):
    cache = redis_client()
    listings = [listing(n) for n in range(1, 8)] + [listing(3)]  # the same listing twice
    with FakeAdzuna(listings) as server:
        client = AdzunaClient("id", "key", quota, base_url=server.base_url)
        search = SavedSearch("gb", what=f"python {uuid.uuid4().hex[:6]}", where="London")
        first = Ingestion(jobraker, client, cache, results_per_page=3).run(search)
        assert first.new == 7 and first.calls == 3
        assert all(jobraker.recorder.select_events(job_id("adzuna", str(900_000_000 + n))) for n in range(1, 8))

        server.listings = [listing(20, created="2026-11-29T08:00:00Z")] + listings
        second = Ingestion(jobraker, client, cache, results_per_page=3).run(search)
        assert (second.new, second.stopped_at_known, second.calls) == (1, True, 1)
        assert server.requests[-1]["query"]["max_days_old"] == "1"  # since the last run
        assert server.requests[-1]["query"]["sort_by"] == "date"

        # A new search reads past listings other searches brought (posting none twice).
        overlapping = Ingestion(jobraker, client, cache, results_per_page=3).run(SavedSearch("gb", what=search.what + " v2", where="London"))
        assert (overlapping.new, overlapping.stopped_at_known, overlapping.calls) == (0, False, 4)  # 3 full pages, 1 short
        assert len(overlapping.seen) == 8 and server.requests[-1]["query"]["max_days_old"] == "30"

        again = Ingestion(jobraker, client, cache, results_per_page=3).run(search)
        assert again.calls == 0 and again.cached_pages == 1  # the cached page answers, no quota used
    assert quota.usage()["week"]["used"] == 8  # (the minute window may roll over mid-test)


def test_identical_searches_at_the_same_moment_make_one_call(jobraker, quota):
    cache = redis_client()
    search = SavedSearch("gb", what=f"nurse {uuid.uuid4().hex[:6]}", where="Leeds")
    start = threading.Barrier(5)

    def ingest(client: AdzunaClient) -> IngestReport:
        start.wait()
        return Ingestion(jobraker, client, cache, results_per_page=10).run(search)

    with FakeAdzuna([listing(n) for n in range(40, 44)]) as server:
        server.delay = 0.5  # every caller arrives while the first call is in flight
        clients = [AdzunaClient("id", "key", quota, base_url=server.base_url) for _ in range(5)]
        with ThreadPoolExecutor(5) as pool:
            reports = list(pool.map(ingest, clients))
    assert len(server.requests) == 1
    assert sorted(r.calls for r in reports) == [0, 0, 0, 0, 1]
    assert sum(r.cached_pages for r in reports) == 4  # the waiters read the page the first one cached
    assert all(jobraker.recorder.select_events(job_id("adzuna", str(900_000_000 + n))) for n in range(40, 44))
    assert quota.usage()["week"]["used"] == 1
    keys = [key.decode() for key in cache.scan_iter("jobraker:adzuna:*")]
    assert keys and not any("nurse" in key or "Leeds" in key for key in keys)


def test_errors_are_classified(quota):
    with FakeAdzuna([listing(1)], app_key="right") as server:
        wrong = AdzunaClient("id", "wrong", quota, base_url=server.base_url)
        with pytest.raises(AdzunaAuthError):
            wrong.search("gb", 1)
        right = AdzunaClient("id", "right", quota, base_url=server.base_url)
        server.fail_next = [429, 503]
        with pytest.raises(AdzunaTransientError):
            right.search("gb", 1)
        with pytest.raises(AdzunaTransientError):
            right.search("gb", 1)
        assert len(right.search("gb", 1).results) == 1


def test_identical_searches_across_candidates_are_one():
    profile = {"skills": ["Python"], "locations": ["London"]}
    prefs = {"keywords": ["django"], "countries": ["GB"]}
    searches = saved_searches([(profile, prefs), (profile, prefs), ({"locations": []}, {"keywords": ["nurse"]})])
    assert searches == [SavedSearch("gb", "django", "London"), SavedSearch("gb", "nurse", "")]


def test_sandbox_feed_speaks_the_same_wire_format(jobraker, quota):
    client = AdzunaClient("sandbox", "sandbox", quota, base_url=SANDBOX_BASE_URL, transport=sandbox_transport())
    results = client.search("gb", 1, what="python", results_per_page=50)
    assert results.count >= 3
    assert all(job.company.display_name.endswith("[sandbox]") for job in results.results)
    assert all("<strong>" not in job.title for job in results.results)


def test_the_ingest_actor_runs_on_the_real_broker_against_the_sandbox(jobraker, dramatiq_worker):
    from jobraker.sources.ingest import searches_of
    from jobraker.workers.actors import ingest_adzuna

    from ..conftest import unique_email

    for words in ([f"Python {uuid.uuid4().hex[:4]}"], ["python"]):  # fresh words: a fresh search
        candidate_id, _ = jobraker.register_candidate(unique_email(), "Searcher", "h")
        jobraker.change_preferences(candidate_id, {"keywords": words, "countries": ["gb"]})
        [search] = searches_of(jobraker.get_candidate(candidate_id))
        ingest_adzuna.send(str(candidate_id), search.key)  # ids only: the actor reads the words
    dramatiq_worker.join("ingest", timeout=30_000)
    sandbox_ids = [job_id("adzuna", str(4_100_000_000 + i)) for i in range(8)]
    stored = [i for i in sandbox_ids if jobraker.recorder.select_events(i, limit=1)]
    assert len(stored) >= 3
    assert jobraker.get_job(stored[0]).company.endswith("[sandbox]")


def test_new_preferences_are_searched_at_once(jobraker, dramatiq_worker):
    from ..conftest import relay_from_now, unique_email

    relay = relay_from_now(jobraker)
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Searcher", "h")
    jobraker.change_preferences(candidate_id, {"keywords": ["Pharmacist"], "countries": ["nl"]})
    relay.catch_up()
    dramatiq_worker.join("ingest", timeout=30_000)
    from jobraker.sources.adzuna_sandbox import _ALL

    pharmacists_in_nl = [r[0] for r in _ALL if r[1] == "nl" and r[4] == "Pharmacist"]
    assert pharmacists_in_nl and all(
        jobraker.recorder.select_events(job_id("adzuna", str(4_100_000_000 + n)), limit=1) for n in pharmacists_in_nl
    )
