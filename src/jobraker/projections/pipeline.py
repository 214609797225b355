"""A candidate's pipeline at a glance, computed from the applications and timeline read models."""

from __future__ import annotations

from statistics import median
from typing import Any
from uuid import UUID

from django.db.models import Count, Min

from jobraker.domain.application import Status
from jobraker.projections.funnel import funnel
from jobraker.projections.models import ApplicationRecord, FunnelEntry, TimelineEntry

RESPONSES = (Status.INTERVIEWING.value, Status.OFFER.value, Status.REJECTED.value)


def pipeline_summary(candidate_id: UUID) -> dict[str, Any]:
    applications = ApplicationRecord.objects.filter(candidate_id=candidate_id)
    counts = dict(applications.values_list("status").annotate(n=Count("id")))
    submitted = dict(applications.filter(submitted_at__isnull=False).values_list("id", "submitted_at"))
    first_responses = dict(
        TimelineEntry.objects.filter(aggregate_id__in=list(submitted), status__in=RESPONSES)
        .values("aggregate_id")
        .annotate(first=Min("at"))
        .values_list("aggregate_id", "first")
    )
    days = [(first_responses[a] - submitted[a]).total_seconds() / 86400 for a in first_responses]
    return {
        "total": sum(counts.values()),
        "by_status": {status.value: counts.get(status.value, 0) for status in Status},
        "submitted": len(submitted),
        "responded": len(first_responses),
        "response_rate": round(len(first_responses) / len(submitted), 3) if submitted else None,
        "median_days_to_first_response": round(median(days), 2) if days else None,
        "funnel": funnel(FunnelEntry.objects.filter(candidate_id=candidate_id)),
    }
