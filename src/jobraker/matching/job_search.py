"""Full-text search and filters over the jobs projection: what `GET /jobs` and the assistant's
``search_jobs`` tool both answer with."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet

from jobraker.matching.filters import one_per_job
from jobraker.projections.models import JobRecord


def search_jobs(params: dict[str, Any]) -> QuerySet[JobRecord]:
    jobs = JobRecord.objects.filter(one_per_job())  # one listing per real job
    if not params.get("include_expired"):
        jobs = jobs.filter(is_expired=False)
    if params.get("q"):
        query = SearchQuery(params["q"], search_type="websearch", config="english")
        jobs = jobs.filter(search=query).annotate(rank=SearchRank(F("search"), query))
    if params.get("location"):
        jobs = jobs.filter(Q(location__icontains=params["location"]) | Q(country__iexact=params["location"]))
    if params.get("remote") is not None:
        jobs = jobs.filter(remote=params["remote"])
    if params.get("salary_min") is not None:
        # A listing qualifies when its range reaches the floor; listings without a salary are kept out.
        jobs = jobs.filter(Q(salary_max__gte=params["salary_min"]) | Q(salary_max__isnull=True, salary_min__gte=params["salary_min"]))
    for name in ("contract_type", "contract_time"):
        if params.get(name):
            jobs = jobs.filter(**{name: params[name]})
    if params.get("posted_since"):
        jobs = jobs.filter(posted_at__gte=params["posted_since"])
    return jobs
