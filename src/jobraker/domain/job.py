"""A job listing from a source. Its id comes from (source, external id), so ingesting the
same listing again finds the same aggregate instead of making a second one."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.iso_codes import country_code, known_country, known_currency
from jobraker.domain.personal import Personal
from jobraker.domain.rules import clean_text
from jobraker.domain.safe_url import check_url

JOB_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/job")
# A tracked job's id lives in its own namespace, so no source listing can ever share it.
TRACKED_JOB_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/tracked-job")
TRACKED_SOURCE = "tracked"
CONTRACT_TYPES = ("permanent", "contract", "")
CONTRACT_TIMES = ("full_time", "part_time", "")
# Fields a later ingestion may change; an unchanged listing records nothing.
MUTABLE_FIELDS = (
    "title", "company", "location", "country", "description", "url",
    "salary_min", "salary_max", "salary_currency", "salary_is_predicted",
    "contract_type", "contract_time", "remote", "location_area", "latitude", "longitude",
)
MAX_AREA_NAMES = 10
# What a listing posted before version 3 of ``Job.Posted`` carries for the fields it added.
NO_PLACE_DETAIL: dict[str, list[str] | None] = {"location_area": [], "latitude": None, "longitude": None}


def job_id(source: str, external_id: str) -> UUID:
    return uuid5(JOB_NAMESPACE, f"{source}:{external_id}")


def tracked_job_id(owner_id: UUID, identity: str) -> UUID:
    return uuid5(TRACKED_JOB_NAMESPACE, f"{owner_id}|{identity}")


def validate_listing(fields: dict[str, Any]) -> dict[str, Any]:
    listing = dict(fields)
    listing["title"] = clean_text("title", listing["title"], max_length=300)
    listing["company"] = clean_text("company", listing["company"], max_length=300)
    listing["description"] = clean_text("description", listing.get("description", ""), max_length=50_000, required=False)
    for name, limit in (("location", 300), ("url", 1000)):
        listing[name] = clean_text(name, listing.get(name, ""), max_length=limit, required=False)
    if listing["url"]:
        # Pure here (no DNS): the edges that take a URL in also check what its name resolves to.
        check_url(listing["url"], resolve=None)
    for name, limit in (("source", 32), ("external_id", 128)):
        if name in listing:
            clean_text(name, listing[name], max_length=limit)  # checked, not changed: the id is made of it
    country = listing.get("country", "")
    if country and not known_country(country):
        raise InvalidValue("country must be a two-letter ISO 3166 code such as gb")
    listing["country"] = country_code(country)
    currency = listing.get("salary_currency", "")
    if currency and not known_currency(currency):
        raise InvalidValue("salary_currency must be a three-letter ISO 4217 code such as GBP")
    _check_place_detail(listing)
    low, high = listing.get("salary_min"), listing.get("salary_max")
    for name, value in (("salary_min", low), ("salary_max", high)):
        if value is not None and not 0 <= value <= 10_000_000:
            raise InvalidValue(f"{name} must be between 0 and 10000000")
    if low is not None and high is not None and low > high:
        raise InvalidValue("salary_min must not exceed salary_max")
    if listing.get("contract_type", "") not in CONTRACT_TYPES:
        raise InvalidValue("contract_type must be permanent or contract")
    if listing.get("contract_time", "") not in CONTRACT_TIMES:
        raise InvalidValue("contract_time must be full_time or part_time")
    return listing


def _check_place_detail(listing: dict[str, Any]) -> None:
    """The source's place hierarchy (country › region › county › town) and coordinates."""
    area = listing.get("location_area", [])
    if not isinstance(area, (list, tuple)) or len(area) > MAX_AREA_NAMES:
        raise InvalidValue(f"location_area must be a list of at most {MAX_AREA_NAMES} place names")
    listing["location_area"] = [clean_text("location_area", name, max_length=100) for name in area]
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = listing.get(name)
        if value is not None and not -bound <= value <= bound:
            raise InvalidValue(f"{name} must be between -{bound} and {bound}")


class Job(Aggregate):
    """A listing's life: posted, changed, expired. Holds no personal data.

    A *tracked* job is different: the record of a job a candidate applied to elsewhere,
    described by them. It is theirs alone — never a listing, never matched, alerted,
    searched or applied to by Jobraker — and what they wrote is their personal data, sealed
    under their key (``Job.Tracked``). ``owner_id`` is None for every listing."""

    class Posted(Aggregate.Created):
        """Version 2 added ``salary_is_predicted`` (Adzuna estimates some salaries); version 3
        the source's place hierarchy ``location_area`` and the coordinates."""

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["salary_is_predicted"] = False

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.update(NO_PLACE_DETAIL)

        source: str
        external_id: str
        title: str
        company: str
        location: str
        country: str
        description: str
        url: str
        salary_min: float | None
        salary_max: float | None
        salary_currency: str
        salary_is_predicted: bool
        contract_type: str
        contract_time: str
        remote: bool
        posted_at: datetime | None
        location_area: list[str]
        latitude: float | None
        longitude: float | None

    class Tracked(Aggregate.Created):
        """A job the candidate tracks themselves. Not a ``Posted``: nothing that reacts to new
        listings (matching, alerts, embeddings) ever sees it."""

        data_subject_field = "candidate_id"  # the owner, named as every event about a candidate names them

        candidate_id: UUID
        source: str
        external_id: str
        title: Personal[str]
        company: Personal[str]
        location: Personal[str]
        country: str
        description: str
        url: Personal[str]
        salary_min: float | None
        salary_max: float | None
        salary_currency: str
        salary_is_predicted: bool
        contract_type: str
        contract_time: str
        remote: bool
        posted_at: datetime | None

        def apply(self, aggregate: Any) -> None:
            aggregate.owner_id = self.candidate_id

    class Changed(Aggregate.Event):
        changes: dict[str, Any]

    class DuplicateLinked(Aggregate.Event):
        """This listing is another posting of ``canonical_id``'s job (domain/listing_identity.py):
        matching and alerts see the canonical listing only."""

        canonical_id: UUID
        similarity: float

    class Expired(Aggregate.Event):
        """Version 2 says why (e.g. the source no longer returns it, or its page says it is closed)."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = ""

        reason: str

    @staticmethod
    def create_id(source: str, external_id: str, **_: object) -> UUID:
        return job_id(source, external_id)

    @classmethod
    def post(cls, **listing: Any) -> Job:
        listing = validate_listing(listing)
        defaults = {
            "location": "", "country": "", "description": "", "url": "", "salary_min": None,
            "salary_max": None, "salary_currency": "", "salary_is_predicted": False,
            "contract_type": "", "contract_time": "", "remote": False, "posted_at": None, **NO_PLACE_DETAIL,
        }
        return cls(**{**defaults, **listing})

    @classmethod
    def track(cls, owner_id: UUID, identity: str, **fields: Any) -> Job:
        """A job the candidate applied to elsewhere, described by them (title, company, url,
        location): their private record."""
        listing = validate_listing({"source": TRACKED_SOURCE, **fields})
        listing = {k: listing[k] for k in ("title", "company", "location", "url")}
        empty = {
            "country": "", "description": "", "salary_min": None, "salary_max": None, "salary_currency": "",
            "salary_is_predicted": False, "contract_type": "", "contract_time": "", "remote": False, "posted_at": None,
        }
        jid = tracked_job_id(owner_id, identity)
        return cls._create(cls.Tracked, id=jid, candidate_id=owner_id, source=TRACKED_SOURCE, external_id=jid.hex, **listing, **empty)

    @property
    def is_tracked(self) -> bool:
        return self.owner_id is not None

    @event(Posted)
    def __init__(
        self, source: str, external_id: str, title: str, company: str, location: str, country: str,
        description: str, url: str, salary_min: float | None, salary_max: float | None,
        salary_currency: str, salary_is_predicted: bool, contract_type: str, contract_time: str,
        remote: bool, posted_at: datetime | None, location_area: list[str] | None = None,
        latitude: float | None = None, longitude: float | None = None,
    ) -> None:
        self.source, self.external_id = source, external_id
        self.title, self.company, self.location, self.country = title, company, location, country
        self.description, self.url = description, url
        self.salary_min, self.salary_max, self.salary_currency = salary_min, salary_max, salary_currency
        self.salary_is_predicted = salary_is_predicted
        self.contract_type, self.contract_time, self.remote = contract_type, contract_time, remote
        self.posted_at = posted_at
        self.location_area = list(location_area or [])
        self.latitude, self.longitude = latitude, longitude
        self.is_expired = False
        self.expired_because = ""
        self.duplicate_of: UUID | None = None
        self.owner_id: UUID | None = None  # set by Tracked.apply for a tracked job

    def revise(self, **listing: Any) -> None:
        """Record what changed since the last ingestion (nothing if nothing did)."""
        if self.is_expired:
            raise IllegalTransition("change the listing", "the job has expired")
        if self.is_tracked:
            raise IllegalTransition("change the listing", "it is a candidate's tracked job, not a listing")
        current = {name: getattr(self, name) for name in MUTABLE_FIELDS}
        merged = validate_listing({**current, **{k: v for k, v in listing.items() if k in MUTABLE_FIELDS}})
        changes = {k: v for k, v in merged.items() if k in MUTABLE_FIELDS and v != current[k]}
        if changes:
            self._changed(changes=changes)

    def link_duplicate_of(self, canonical_id: UUID, similarity: float) -> None:
        """Record that this listing is the same job as ``canonical_id`` (once; never to itself)."""
        if canonical_id == self.id:
            raise InvalidValue("a listing cannot be a duplicate of itself")
        if self.is_tracked:
            raise IllegalTransition("link a duplicate", "it is a candidate's tracked job, not a listing")
        if self.duplicate_of is None:
            self._duplicate_linked(canonical_id=canonical_id, similarity=round(similarity, 3))

    @event(DuplicateLinked)
    def _duplicate_linked(self, canonical_id: UUID, similarity: float) -> None:
        self.duplicate_of = canonical_id

    def expire(self, reason: str = "") -> None:
        if not self.is_expired:
            self._expired(reason=clean_text("reason", reason, max_length=300, required=False))

    @event(Changed)
    def _changed(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    @event(Expired)
    def _expired(self, reason: str) -> None:
        self.is_expired = True
        self.expired_because = reason
