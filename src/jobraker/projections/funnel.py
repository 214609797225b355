"""The funnel: matched → sent → confirmed → replied → interview → offer, per listing source,
per automation strategy and per resume, with response rates and median days between stages.
A projection keeps one row per application Jobraker matched (when it reached each stage);
``funnel()`` adds the rows up, for one candidate (their pipeline) or for everyone (Operations)."""

from __future__ import annotations

from collections import defaultdict
from functools import singledispatchmethod
from statistics import median
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from jobraker.domain.application import Application, Status
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.projections.base import Projection
from jobraker.projections.models import FunnelEntry, JobRecord

STAGES = ("matched", "sent", "confirmed", "replied", "interview", "offer")
# The moves that reach a stage; the first time counts.
REACHED = {
    Status.SUBMITTED.value: ("confirmed",),
    Status.INTERVIEWING.value: ("replied", "interview"),
    Status.OFFER.value: ("replied", "offer"),
    Status.REJECTED.value: ("replied",),
}
# An employer's mail (inbox/) is a reply whether or not the candidate confirmed its move yet;
# a confirmation of receipt counts as confirmed.
MAIL_REACHED = {"confirmation": ("confirmed",), "rejection": ("replied",), "interview": ("replied",), "offer": ("replied",)}
INTERVALS = (("matched", "sent"), ("sent", "confirmed"), ("sent", "replied"), ("replied", "interview"), ("interview", "offer"))


class FunnelProjection(Projection):
    name = "funnel"

    def reset(self) -> None:
        FunnelEntry.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _started(self, event: Application.Started, position: int) -> None:
        if event.source != "matched":
            return  # applications a candidate tracks themselves never went through Jobraker's funnel
        explanation = event.explanation if isinstance(event.explanation, dict) else {}
        automation = explanation.get("automation") or {}
        FunnelEntry.objects.bulk_create([FunnelEntry(
            application_id=event.originator_id, candidate_id=event.candidate_id, job_id=event.job_id,
            strategy=str(automation.get("strategy", ""))[:32], matched_at=event.timestamp,
            version=event.originator_version, position=position,
        )], update_conflicts=True, unique_fields=["application_id"],
            update_fields=["candidate_id", "job_id", "strategy", "matched_at", "version", "position"])

    @process.register
    def _sent(self, event: Application.SubmissionSent, position: int) -> None:
        self._reach(event.originator_id, ("sent",), event.timestamp, position, resume_id=event.resume_id)

    @process.register
    def _moved(self, event: Application.StatusChanged, position: int) -> None:
        self._reach(event.originator_id, REACHED.get(event.status, ()), event.timestamp, position)

    @process.register
    def _mail(self, event: Application.MailReceived, position: int) -> None:
        self._reach(event.originator_id, MAIL_REACHED.get(event.kind, ()), event.timestamp, position)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        FunnelEntry.objects.filter(candidate_id=event.originator_id).delete()

    def _reach(self, application_id: UUID, stages: tuple[str, ...], at: Any, position: int, **also: Any) -> None:
        row = FunnelEntry.objects.filter(application_id=application_id).first()
        if row is None or not stages:
            return
        for stage in stages:
            if getattr(row, f"{stage}_at") is None:
                setattr(row, f"{stage}_at", at)
        for name, value in also.items():
            if value is not None and value is not ERASED:
                setattr(row, name, value)
        row.position = position
        row.save()


def funnel(entries: QuerySet[FunnelEntry]) -> dict[str, Any]:
    """Counts per stage, the share of sent applications that got a reply, and median days
    between stages, overall and by source, strategy and resume."""
    rows = list(entries.values("job_id", "strategy", "resume_id", *(f"{s}_at" for s in STAGES)))
    sources = dict(JobRecord.with_tracked.filter(id__in={r["job_id"] for r in rows}).values_list("id", "source"))
    groups: dict[str, dict[str, list[dict]]] = {"source": defaultdict(list), "strategy": defaultdict(list), "resume": defaultdict(list)}
    for row in rows:
        groups["source"][sources.get(row["job_id"], "unknown")].append(row)
        groups["strategy"][row["strategy"] or "none"].append(row)
        groups["resume"][str(row["resume_id"]) if row["resume_id"] else "not sent"].append(row)
    return {
        "stages": list(STAGES),
        "all": _summary(rows),
        **{f"by_{name}": {key: _summary(members) for key, members in sorted(by.items())} for name, by in groups.items()},
    }


def _summary(rows: list[dict]) -> dict[str, Any]:
    counts = {stage: sum(1 for r in rows if r[f"{stage}_at"] is not None) for stage in STAGES}
    days = {}
    for start, end in INTERVALS:
        spans = [(r[f"{end}_at"] - r[f"{start}_at"]).total_seconds() / 86400
                 for r in rows if r[f"{start}_at"] is not None and r[f"{end}_at"] is not None]
        days[f"{start}_to_{end}"] = round(median(spans), 2) if spans else None
    return {**counts, "response_rate": round(counts["replied"] / counts["sent"], 3) if counts["sent"] else None,
            "median_days": days}
