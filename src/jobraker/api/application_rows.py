"""Applications and their timelines as JSON, built straight from the rows.

The same output as ``ApplicationSerializer`` / ``ApplicationDetailSerializer`` (which stay as the
OpenAPI description, and which ``tests/api/test_read_queries.py`` compares this with), without DRF's
per-field machinery for every row: the applications list and the timeline are the most read
pages after matches (issue 15: ≥ 0.6 of a trivial endpoint's throughput)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from jobraker.projections.models import ApplicationRecord, JobRecord, TimelineEntry

# What the list and the detail read of an application and of its job.
APPLICATION_COLUMNS = ("id", "candidate_id", "job_id", "source", "status", "score", "notes", "created_at",
                       "updated_at", "submitted_at", "skip_reason", "version")
JOB_SHOWN = ("title", "company", "url")


def when(value: datetime | None) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, "Z" for UTC."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def with_job(records: QuerySet[ApplicationRecord]) -> QuerySet[ApplicationRecord]:
    """What an application shows of its job, in the same query (the job by primary key, for each
    row of the page). Tracked jobs too: these are applications the reader may see, so their jobs
    are theirs."""
    shown = JSONObject(**{name: name for name in JOB_SHOWN})
    job = JobRecord.with_tracked.filter(id=OuterRef("job_id")).annotate(shown=shown).values("shown")[:1]
    return records.only(*APPLICATION_COLUMNS).annotate(job=Subquery(job, output_field=JSONField()))


def application_json(record: ApplicationRecord) -> dict[str, Any]:
    """A row read through ``with_job``."""
    return {
        "id": str(record.id), "candidate_id": str(record.candidate_id), "job_id": str(record.job_id),
        "job": record.job,  # type: ignore[attr-defined]  (None when the job has no row)
        "source": record.source, "status": record.status, "score": record.score, "notes": record.notes,
        "created_at": when(record.created_at), "updated_at": when(record.updated_at),
        "submitted_at": when(record.submitted_at), "skip_reason": record.skip_reason, "version": record.version,
    }


def timeline_json(entries: Iterable[TimelineEntry]) -> list[dict[str, Any]]:
    return [{"version": e.version, "kind": e.kind, "action": e.action, "status": e.status, "by": e.by,
             "at": when(e.at), "detail": e.detail} for e in entries]


def timeline_of(application_id: UUID) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(aggregate_id=application_id).order_by("version")
                .only("version", "kind", "action", "status", "by", "at", "detail"))


def submission_json(application_id: UUID) -> dict[str, Any] | None:
    from jobraker.appliers.models import SubmissionRecord

    sent = SubmissionRecord.objects.filter(application_id=application_id).first()
    if sent is None:
        return None
    return {"applier": sent.applier, "sandbox": sent.applier == "sandbox", "dry_run": sent.dry_run,
            "run_id": sent.run_id, "verification": sent.verification, "reason": sent.reason, "sent_at": sent.sent_at,  # (as before: the renderer formats it)
            "run_status": sent.run_status, "error_code": sent.error_code, "recording_url": sent.recording_url,
            "screenshot_urls": sent.screenshot_urls, "app_url": sent.app_url}
