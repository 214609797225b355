"""The hard filters, in the order they are applied. Each keeps the jobs a candidate could take;
what each one removed is reported, so a candidate can see why a job is missing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from jobraker.projections.models import ApplicationRecord, JobRecord


@dataclass(frozen=True)
class Wants:
    """What the candidate's profile and preferences say about acceptable jobs."""

    candidate_id: UUID
    remote: str = "any"
    locations: tuple[str, ...] = ()
    salary_floor: int | None = None
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
            contract=profile.get("contract", "any"),
            hours=profile.get("hours", "any"),
            excluded_companies=tuple(preferences.get("excluded_companies", ())),
            avoid_keywords=tuple(preferences.get("avoid_keywords", ())),
            countries=tuple(preferences.get("countries", ())),
        )


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


def location_or_remote(w: Wants) -> Q:
    if w.remote == "remote":
        return Q(remote=True)
    near = _any_of("location", w.locations) if w.locations else None
    if w.remote == "onsite":
        return near or Q()
    return (Q(remote=True) | near) if near else Q()


def salary_floor(w: Wants) -> Q:
    """A stated salary below the floor removes a job; a predicted one only warns (see scoring)."""
    if not w.salary_floor:
        return Q()
    below = Q(salary_max__lt=w.salary_floor) | Q(salary_max__isnull=True, salary_min__lt=w.salary_floor)
    return ~(below & Q(salary_is_predicted=False))


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
