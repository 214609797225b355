"""The hard filters, in the order they are applied. Each keeps the jobs a candidate could take;
what each one removed is reported, so a candidate can see why a job is missing."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Cos, Power, Radians, Sin
from django.db.models.lookups import LessThanOrEqual

from jobraker.domain.iso_codes import MARKET_CURRENCIES
from jobraker.matching.currency import ReferenceRates
from jobraker.matching.places import AREA, EARTH_RADIUS_KM, WantedPlace, wanted_places
from jobraker.matching.rates import current_rates
from jobraker.matching.remote import HYBRID, ONSITE, REMOTE
from jobraker.projections.models import ApplicationRecord, JobRecord


@dataclass(frozen=True)
class Wants:
    """What the candidate's profile and preferences say about acceptable jobs."""

    candidate_id: UUID
    remote: str = "any"
    locations: tuple[str, ...] = ()
    salary_floor: int | None = None
    salary_currency: str = "GBP"
    radius_km: int | None = None
    remote_strict: bool = False
    contract: str = "any"
    hours: str = "any"
    excluded_companies: tuple[str, ...] = ()
    avoid_keywords: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @classmethod
    def of(cls, candidate_id: UUID, profile: dict[str, Any], preferences: dict[str, Any]) -> Wants:
        return cls(
            candidate_id=candidate_id,
            remote=profile.get("remote", "any"),
            locations=tuple(profile.get("locations", ())),
            salary_floor=profile.get("salary_floor"),
            salary_currency=profile.get("salary_currency", "GBP"),
            radius_km=profile.get("radius_km"),
            remote_strict=bool(profile.get("remote_strict", False)),
            contract=profile.get("contract", "any"),
            hours=profile.get("hours", "any"),
            excluded_companies=tuple(preferences.get("excluded_companies", ())),
            avoid_keywords=tuple(preferences.get("avoid_keywords", ())),
            countries=tuple(preferences.get("countries", ())),
        )

    @cached_property
    def places(self) -> tuple[WantedPlace, ...]:
        """The candidate's places, normalised to the gazetteer's (the countries they chose first)."""
        return wanted_places(self.locations, self.countries)


def _any_of(field: str, values: tuple[str, ...]) -> Q:
    return reduce(or_, (Q(**{f"{field}__icontains": v}) for v in values))


def not_expired(w: Wants) -> Q:
    """Open listings, one per real job: another posting of a listed job is left out (sources/duplicates.py)."""
    return Q(is_expired=False) & one_per_job()


def one_per_job() -> Q:
    """A listing that is no duplicate, or whose job's first listing has expired meanwhile (the job
    may still be open on the employer's board)."""
    gone = JobRecord.objects.filter(is_expired=True).values("id")
    return Q(duplicate_of__isnull=True) | Q(duplicate_of__in=gone)


def not_applied(w: Wants) -> Q:
    return ~Q(id__in=ApplicationRecord.objects.filter(candidate_id=w.candidate_id).values("job_id"))


def company_not_excluded(w: Wants) -> Q:
    return ~reduce(or_, (Q(company__iexact=c) for c in w.excluded_companies)) if w.excluded_companies else Q()


def no_avoided_keyword(w: Wants) -> Q:
    if not w.avoid_keywords:
        return Q()
    query = reduce(or_, (SearchQuery(k, search_type="plain", config="english") for k in w.avoid_keywords))
    return ~Q(search=query)


def in_country(w: Wants) -> Q:
    return Q(country__in=w.countries) | Q(country="") if w.countries else Q()


# A job the source or its words call remote (rows projected before work modes: the flag alone).
IS_REMOTE = Q(work_mode=REMOTE) | Q(work_mode="", remote=True)


def location_or_remote(w: Wants) -> Q:
    """Where and how the candidate will work. A wish for on-site or hybrid work only ranks other
    jobs lower (see verdicts.work_mode_fit) unless the candidate made it strict."""
    near, strict = in_places(w), w.remote_strict
    if w.remote == "remote":
        return IS_REMOTE if strict or near is None else IS_REMOTE | (near & Q(work_mode=HYBRID))
    if w.remote == "hybrid":
        if near is None:
            return ~Q(work_mode=ONSITE) if strict else Q()
        return IS_REMOTE | (near & ~Q(work_mode=ONSITE) if strict else near)
    if w.remote == "onsite":
        if near is None:
            return ~IS_REMOTE if strict else Q()
        return near & ~IS_REMOTE if strict else near | IS_REMOTE
    return near | IS_REMOTE if near is not None else Q()


def in_places(w: Wants) -> Q | None:
    """Jobs in one of the candidate's places: at any level of the hierarchy, in its commuting
    area, named in the job's location, or (with a radius) near enough. None: no place given."""
    if not w.places:
        return None
    keys = [key for place in w.places for key in place.keys]
    keys += [AREA + key for place in w.places if place.known for key in place.keys]
    near = Q(places__overlap=keys) | reduce(or_, (Q(location__icontains=place.text) for place in w.places))
    if w.radius_km:
        for lat, lon in {c for place in w.places for c in place.coordinates}:
            near |= within_radius(lat, lon, w.radius_km)
    return near


def within_radius(lat: float, lon: float, radius_km: float) -> Q:
    """Haversine in SQL, compared without the arcsine: hav(d/R) <= hav(radius/R)."""
    half_lat = (Radians(F("latitude")) - Value(math.radians(lat))) / 2
    half_lon = (Radians(F("longitude")) - Value(math.radians(lon))) / 2
    hav = Power(Sin(half_lat), 2) + Value(math.cos(math.radians(lat))) * Cos(Radians(F("latitude"))) * Power(Sin(half_lon), 2)
    return Q(LessThanOrEqual(hav, math.sin(radius_km / (2 * EARTH_RADIUS_KM)) ** 2))


def salary_floor(w: Wants) -> Q:
    """A stated salary below the floor, once both are in one currency, removes a job; a predicted
    one only warns (see verdicts), and a job that states no pay is never removed for pay. A
    currency missing from the reference rates cannot be compared, so it removes nothing."""
    if not w.salary_floor:
        return Q()
    rates = current_rates()
    floors = floors_by_currency(w.salary_floor, w.salary_currency, rates)
    below = reduce(or_, (paid_in(code, w.salary_currency) & pays_below(floor) for code, floor in floors.items()))
    return ~(below & Q(salary_is_predicted=False))


def floors_by_currency(floor: int, currency: str, rates: ReferenceRates) -> dict[str, float]:
    """The candidate's floor in each currency the reference rates know (their own alone if not)."""
    if not rates.knows(currency):
        return {currency: float(floor)}
    return {code: rates.convert(floor, currency, code) or 0.0 for code in rates.rates}


def paid_in(code: str, candidate_currency: str) -> Q:
    """Jobs paying in ``code``: by their stated currency, else by their country's, else the
    candidate's own (a listing that names neither is taken to pay as the candidate counts)."""
    countries = [country for country, currency in MARKET_CURRENCIES.items() if currency == code]
    paid = Q(salary_currency=code) | Q(salary_currency="", country__in=countries)
    if code == candidate_currency:
        paid |= Q(salary_currency="") & ~Q(country__in=list(MARKET_CURRENCIES))
    return paid


def pays_below(floor: float) -> Q:
    return Q(salary_max__lt=floor) | Q(salary_max__isnull=True, salary_min__lt=floor)


def contract(w: Wants) -> Q:
    return Q(contract_type__in=[w.contract, ""]) if w.contract != "any" else Q()


def hours(w: Wants) -> Q:
    return Q(contract_time__in=[w.hours, ""]) if w.hours != "any" else Q()


FILTERS: list[tuple[str, Callable[[Wants], Q]]] = [
    ("expired", not_expired),
    ("already_applied", not_applied),
    ("excluded_company", company_not_excluded),
    ("avoided_keyword", no_avoided_keyword),
    ("country", in_country),
    ("location_or_remote", location_or_remote),
    ("salary_below_floor", salary_floor),
    ("contract", contract),
    ("hours", hours),
]


# The per-filter counts only explain what is missing; counting them scans every job, so one
# count serves the same wants for this long (the matches themselves are always fresh).
REMOVED_COUNTS_SECONDS = 60


def apply_filters(jobs: QuerySet[JobRecord], wants: Wants, count: bool = True) -> tuple[QuerySet[JobRecord], dict[str, int]]:
    """The jobs every filter keeps, and how many each filter removed (in order)."""
    keeps = [(name, keep(wants)) for name, keep in FILTERS]
    kept = jobs
    for _, condition in keeps:
        kept = kept.filter(condition)
    return kept, (removed_by_filter(jobs, wants, keeps) if count else {})


def removed_by_filter(jobs: QuerySet[JobRecord], wants: Wants, keeps: list[tuple[str, Q]]) -> dict[str, int]:
    key = "removed-by-filter:" + hashlib.sha256(f"{wants!r}|{jobs.query}".encode()).hexdigest()
    removed = cache.get(key)
    if removed is None:
        removed = _count_removed(jobs, keeps)
        cache.set(key, removed, REMOVED_COUNTS_SECONDS)
    return removed


def _count_removed(jobs: QuerySet[JobRecord], keeps: list[tuple[str, Q]]) -> dict[str, int]:
    """One scan: every job's pass or fail of each filter, grouped. A filter removed the jobs that
    passed every filter before it and failed it (NULL fails, as in a WHERE clause)."""
    active = [(name, condition) for name, condition in keeps if condition]  # an empty Q keeps every job
    flags = {f"keep_{i}": ExpressionWrapper(condition, output_field=BooleanField()) for i, (_, condition) in enumerate(active)}
    removed = {name: 0 for name, _ in keeps}
    if not active:
        return removed
    for group in jobs.annotate(**flags).values(*flags).annotate(jobs=Count("pk")).order_by():
        first_failed = next((name for i, (name, _) in enumerate(active) if not group[f"keep_{i}"]), None)
        if first_failed:
            removed[first_failed] += group["jobs"]
    return removed


def first_filter_removing(job: JobRecord, wants: Wants) -> str | None:
    jobs = JobRecord.objects.filter(id=job.id)
    for name, keep in FILTERS:
        jobs = jobs.filter(keep(wants))
        if not jobs.exists():
            return name
    return None
