"""Adzuna calls per new job: Jobraker's shared, incremental, cached ingestion vs naive
per-candidate polling, for 100 candidates with overlapping preferences, two runs each,
against the sandbox feed (same wire format) with the real four-window quota."""

from __future__ import annotations

import os
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from common import Row

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", 100))
RUNS = 2
CONCURRENT = int(os.environ.get("BENCH_ADZUNA_CONCURRENT", 20))  # identical searches at the same moment
LATENCY = 0.2  # seconds per Adzuna call, so that concurrent runs overlap as they do against the real API


def run(database_url: str) -> list[Row]:
    import redis as redis_lib

    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker
    from jobraker.sources.adzuna_client import AdzunaClient
    from jobraker.sources.adzuna_sandbox import SANDBOX_BASE_URL, sandbox_transport
    from jobraker.sources.ingest import Ingestion, saved_searches
    from jobraker.sources.quota import WINDOWS, AdzunaQuota

    cache = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
    rng = random.Random(5)
    wishes = [
        ({"skills": [], "locations": [rng.choice(["London", "Leeds", "Remote"])]},
         {"keywords": [rng.choice(["Python", "Nurse", "Teacher", "Engineer", "Chef"])], "countries": ["gb"]})
        for _ in range(CANDIDATES)
    ]
    jobraker = build_jobraker(get_settings())

    def counting_client() -> AdzunaClient:
        # Count every call; the free quota's limits are applied to the totals below.
        quota = AdzunaQuota(cache, prefix=f"bench:{uuid.uuid4().hex}", windows={"day": (86_400, 10**9)})
        return AdzunaClient("bench", "bench", quota, base_url=SANDBOX_BASE_URL, transport=sandbox_transport())

    # Jobraker: one search per distinct wish, incremental (stop at known ids) and cached.
    ours = counting_client()
    calls = new = 0
    for _ in range(RUNS):
        for search in saved_searches(wishes):
            report = Ingestion(jobraker, ours, cache, results_per_page=50).run(search)
            calls, new = calls + report.calls, new + report.new
    # Naive: every candidate fetches every page of their own search on every run, uncached.
    naive = counting_client()
    naive_calls = 0
    for _ in range(RUNS):
        for profile, preferences in wishes:
            for page in range(1, 6):
                results = naive.search("gb", page, what=preferences["keywords"][0], where=profile["locations"][0],
                                       results_per_page=50)
                naive_calls += 1
                if len(results.results) < 50:
                    break
    concurrent = _concurrent_row(jobraker, cache, counting_client)
    jobraker.close()
    new = max(new, 1)
    daily = WINDOWS["day"][1]
    return [Row(
        f"Adzuna calls per new job, {CANDIDATES} candidates with overlapping wishes, {RUNS} runs "
        f"({calls} calls vs {naive_calls}; free quota {daily}/day: Jobraker "
        f"{'within' if calls <= daily else 'over'}, naive {'within' if naive_calls <= daily else 'over'}); "
        "ratio = times more calls naive polling makes",
        "Jobraker ingestion", calls / new, "naive per-candidate polling", naive_calls / new, unit="calls/new job",
    ), concurrent]


def _concurrent_row(jobraker, cache, counting_client) -> Row:  # type: ignore[no-untyped-def]
    """CONCURRENT workers run the same new search at once (a burst of candidates with one wish):
    single flight makes one call per page; without it every worker calls."""
    import threading

    from jobraker.sources.ingest import Ingestion, SavedSearch

    search = SavedSearch("gb", what=f"Python {uuid.uuid4().hex[:6]}", where="London")
    client = _slow(counting_client())
    start = threading.Barrier(CONCURRENT)

    def ours(_: int) -> int:
        start.wait()
        return Ingestion(jobraker, client, cache, results_per_page=50, max_pages=1).run(search).calls

    def uncoalesced(_: int) -> int:
        start.wait()
        client.search("gb", 1, what=search.what, where=search.where, results_per_page=50, sort_by="date")
        return 1

    with ThreadPoolExecutor(CONCURRENT) as pool:
        calls = sum(pool.map(ours, range(CONCURRENT)))
        naive = sum(pool.map(uncoalesced, range(CONCURRENT)))
    return Row(
        f"Adzuna calls for {CONCURRENT} identical searches at the same moment, one page, {LATENCY * 1000:.0f} ms "
        f"per call ({calls} call(s) vs {naive}); ratio = times more calls without single flight",
        "single-flight ingestion", calls, "every worker calls", naive, unit="calls",
    )


def _slow(client):  # type: ignore[no-untyped-def]
    """The sandbox answers at once; the real API takes a while, which is when searches overlap."""
    search = client.search

    def slow_search(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(LATENCY)
        return search(*args, **kwargs)

    client.search = slow_search
    return client
