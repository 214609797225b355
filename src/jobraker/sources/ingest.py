"""Ingesting Adzuna listings for the searches candidates' preferences imply.

Identical searches across candidates are fetched once, even at the same moment (single
flight: the first run to ask for a page holds a Redis lock while it calls Adzuna; the others
wait for it and read the page it cached); each run asks only for what is
new (newest first, ``max_days_old`` since the last run, stop at the first listing this
search returned before); responses are cached in Redis; listings are posted through the same
idempotent command as any other (deterministic ids), so pages and runs never duplicate."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import redis
import structlog
from redis.exceptions import LockError
from redis.lock import Lock

from jobraker.domain.job import job_id
from jobraker.domain.personal import ERASED
from jobraker.domain.safe_url import UnsafeUrl, check_url
from jobraker.domain.service import Jobraker
from jobraker.public_urls import resolve_addresses
from jobraker.sources.adzuna_client import AdzunaClient
from jobraker.sources.adzuna_models import AdzunaSearchResults

log = structlog.get_logger(__name__)

CACHE_SECONDS = 15 * 60
FLIGHT_SECONDS = 60  # a lock outlives no call (the client's timeout is far shorter), nor a crashed holder long
FIRST_RUN_DAYS = 30
SEEN_FOR_SECONDS = 90 * 86_400  # longer than a listing stays open


@dataclass(frozen=True)
class SavedSearch:
    country: str
    what: str = ""
    where: str = ""

    @property
    def key(self) -> str:
        """Names the search in queue messages and Redis keys. Keyed (Django's SECRET_KEY), since
        a plain hash of a candidate's skills and city is undone by guessing them."""
        return _keyed_digest(asdict(self))


def _keyed_digest(value: Any) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac("jobraker.sources.ingest", json.dumps(value, sort_keys=True), algorithm="sha256").hexdigest()[:32]


@dataclass
class IngestReport:
    search: SavedSearch
    calls: int = 0
    cached_pages: int = 0
    new: int = 0
    stopped_at_known: bool = False
    seen: set[str] = field(default_factory=set)


def saved_searches(candidates: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[SavedSearch]:
    """One search per distinct (country, keywords, first location) among candidates' (profile, preferences)."""
    searches = set()
    for profile, preferences in candidates:
        what = " ".join(preferences.get("keywords", []) or profile.get("skills", [])[:3])
        where = (profile.get("locations") or [""])[0]
        for country in preferences.get("countries") or ["gb"]:
            searches.add(SavedSearch(country=country.lower(), what=what, where=where))
    return sorted(searches, key=lambda s: (s.country, s.what, s.where))


def searches_of(candidate: Any) -> list[SavedSearch]:
    """The searches one candidate's current profile and preferences imply (none once they are
    deactivated or erased)."""
    if not candidate.is_active or candidate.is_erased or any(v is ERASED for v in (candidate.profile, candidate.preferences)):
        return []
    return saved_searches([(candidate.profile.as_dict(), candidate.preferences.as_dict())])


class Ingestion:
    def __init__(self, jobraker: Jobraker, client: AdzunaClient, cache: redis.Redis,
                 results_per_page: int = 50, max_pages: int = 5) -> None:
        self.jobraker = jobraker
        self.client = client
        self.cache = cache
        self.results_per_page = results_per_page
        self.max_pages = max_pages
        # One lookup per host and run: a lookup costs up to ~200 ms and a page's listings share a host.
        self._resolve = lru_cache(maxsize=512)(resolve_addresses)

    def run(self, search: SavedSearch, now: float | None = None) -> IngestReport:
        now = time.time() if now is None else now
        report = IngestReport(search)
        max_days_old = self._days_since_last_run(search, now)
        for page in range(1, self.max_pages + 1):
            results = self._page(search, page, max_days_old, report)
            for listing in results.results:
                if listing.id in report.seen:
                    continue  # Adzuna repeats listings across pages
                if self._seen_by(search, listing.id):
                    report.stopped_at_known = True  # newest first: the rest came in an earlier run
                    break
                report.seen.add(listing.id)
                if not self._known(listing.id):  # another search may have brought it already
                    report.new += self._post(listing.as_listing(search.country))
            if report.stopped_at_known or len(results.results) < self.results_per_page:
                break
        self._remember(search, report.seen)
        self.cache.set(self._last_run_key(search), now)
        # The search's key, never its words: they are the candidate's skills and city.
        log.info("adzuna_ingested", search=search.key, country=search.country, calls=report.calls, cached=report.cached_pages, new=report.new)
        return report

    def _post(self, listing: dict[str, Any]) -> int:
        """Post one listing; one whose URL may not reach Skyvern or a person is left out."""
        if listing["url"]:
            try:
                check_url(listing["url"], resolve=self._resolve)
            except UnsafeUrl as exc:
                log.warning("listing_refused_unsafe_url", source=listing["source"], external_id=listing["external_id"], reason=str(exc))
                return 0
        self.jobraker.post_job(**listing)
        return 1

    def _page(self, search: SavedSearch, page: int, max_days_old: int, report: IngestReport) -> AdzunaSearchResults:
        query = {"what": search.what, "where": search.where, "results_per_page": self.results_per_page,
                 "max_days_old": max_days_old, "sort_by": "date"}
        # A keyed digest: the search's words come from candidates' preferences and stay out of Redis keys.
        key = "jobraker:adzuna:response:" + _keyed_digest([search.country, page, query])
        cached = self._cached(key, report)
        if cached is not None:
            return cached
        flight = self.cache.lock(key + ":flight", timeout=FLIGHT_SECONDS, blocking_timeout=FLIGHT_SECONDS)
        holding = flight.acquire()  # False: the holder is stuck past the lock's life; call Adzuna ourselves
        try:
            cached = self._cached(key, report)  # the holder we waited for has cached it
            if cached is not None:
                return cached
            results = self.client.search(search.country, page, **query)
            report.calls += 1
            self.cache.set(key, results.model_dump_json(), ex=CACHE_SECONDS)
            return results
        finally:
            if holding:
                self._release(flight)

    def _cached(self, key: str, report: IngestReport) -> AdzunaSearchResults | None:
        cached = self.cache.get(key)
        if cached is None:
            return None
        report.cached_pages += 1
        return AdzunaSearchResults.model_validate_json(cached)

    @staticmethod
    def _release(flight: Lock) -> None:
        try:
            flight.release()
        except LockError:
            pass  # it expired while we called: the next caller already went ahead

    def _seen_by(self, search: SavedSearch, external_id: str) -> bool:
        """Whether this search returned the listing in an earlier run (not merely whether some
        other search brought it: a new search must still read past those)."""
        return bool(self.cache.sismember(self._seen_key(search), external_id))

    def _remember(self, search: SavedSearch, external_ids: set[str]) -> None:
        if external_ids:
            self.cache.pipeline().sadd(self._seen_key(search), *external_ids).expire(
                self._seen_key(search), SEEN_FOR_SECONDS
            ).execute()

    def _seen_key(self, search: SavedSearch) -> str:
        return f"jobraker:adzuna:seen:{search.key}"

    def _known(self, external_id: str) -> bool:
        return bool(self.jobraker.recorder.select_events(job_id("adzuna", external_id), limit=1))

    def _days_since_last_run(self, search: SavedSearch, now: float) -> int:
        last = self.cache.get(self._last_run_key(search))
        return FIRST_RUN_DAYS if last is None else max(1, math.ceil((now - float(last)) / 86_400))

    def _last_run_key(self, search: SavedSearch) -> str:
        return f"jobraker:adzuna:last_run:{search.key}"
