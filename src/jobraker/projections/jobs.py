"""Job listings, searchable by Postgres full-text search."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchVector

from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.domain.personal import ERASED
from jobraker.matching.places import job_place_keys
from jobraker.matching.remote import read_work_mode
from jobraker.projections.base import Projection
from jobraker.projections.models import JobRecord

SEARCH_VECTOR = (
    SearchVector("title", weight="A", config="english")
    + SearchVector("company", weight="B", config="english")
    + SearchVector("description", weight="C", config="english")
)


# Before ``Job.Tracked`` existed, ``POST /applications`` recorded a candidate's tracked job as a
# ``Job.Posted`` — the only ``Job.Posted`` a candidate's request ever wrote. Such a row is kept out
# of the listings. Its owner is not in the event, so it belongs to this placeholder and its owner
# sees it only through their application.
LEGACY_TRACKED_OWNER = UUID(int=0)


class JobProjection(Projection):
    name = "jobs"
    needs_metadata = True  # who posted: a candidate's Job.Posted is a legacy tracked job

    def __init__(self) -> None:
        self._by_candidate = False

    def handle(self, event: Any, position: int, metadata: dict[str, Any]) -> None:
        self._by_candidate = metadata.get("actor") == "candidate"
        self.process(event, position)

    def reset(self) -> None:
        JobRecord.with_tracked.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _posted(self, event: Job.Posted, position: int) -> None:
        fields = {k: v for k, v in vars(event).items() if k in _LISTING_FIELDS}
        owner = LEGACY_TRACKED_OWNER if self._by_candidate else None
        derived = where_and_how(fields) if owner is None else {}  # a candidate's own job is never matched
        values = {**fields, **derived, "owner_id": owner, "version": event.originator_version, "position": position}
        # One INSERT … ON CONFLICT, not update_or_create's savepoint, SELECT … FOR UPDATE and write.
        JobRecord.objects.bulk_create(
            [JobRecord(id=event.originator_id, **values)], update_conflicts=True, unique_fields=["id"], update_fields=list(values)
        )
        self._index(event.originator_id)

    @process.register
    def _tracked(self, event: Job.Tracked, position: int) -> None:
        """A candidate's own tracked job: a row only its owner reads, never indexed for search."""
        if event.title is ERASED:
            return  # replaying the history of an erased candidate
        fields = {k: v for k, v in vars(event).items() if k in _LISTING_FIELDS}
        values = {**fields, "owner_id": event.candidate_id, "version": event.originator_version, "position": position}
        JobRecord.with_tracked.bulk_create(
            [JobRecord(id=event.originator_id, **values)], update_conflicts=True, unique_fields=["id"], update_fields=list(values)
        )

    @process.register
    def _owner_erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        JobRecord.with_tracked.filter(owner_id=event.originator_id).delete()

    @process.register
    def _changed(self, event: Job.Changed, position: int) -> None:
        JobRecord.with_tracked.filter(id=event.originator_id).update(
            **event.changes, version=event.originator_version, position=position
        )
        if _WHERE_AND_HOW_FROM & set(event.changes):
            listing = JobRecord.objects.filter(id=event.originator_id).values(*_WHERE_AND_HOW_FROM).first()
            if listing is not None:
                JobRecord.objects.filter(id=event.originator_id).update(**where_and_how(listing))
        self._index(event.originator_id)

    @process.register
    def _duplicate_linked(self, event: Job.DuplicateLinked, position: int) -> None:
        JobRecord.with_tracked.filter(id=event.originator_id).update(
            duplicate_of=event.canonical_id, version=event.originator_version, position=position
        )

    @process.register
    def _expired(self, event: Job.Expired, position: int) -> None:
        JobRecord.with_tracked.filter(id=event.originator_id).update(
            is_expired=True, version=event.originator_version, position=position
        )

    def _index(self, job_id: object) -> None:
        JobRecord.objects.filter(id=job_id).update(search=SEARCH_VECTOR)


def where_and_how(listing: dict[str, Any]) -> dict[str, Any]:
    """What matching reads from a listing: its place keys, its work mode and the evidence for it."""
    mode = read_work_mode(listing["title"], listing["location"], listing["description"], listing["remote"])
    return {
        "places": job_place_keys(listing["country"], listing["location"], listing.get("location_area") or []),
        "work_mode": mode.mode,
        "work_mode_evidence": [quote[:200] for quote in mode.evidence],
    }


_WHERE_AND_HOW_FROM = {"title", "location", "description", "remote", "country", "location_area"}
_DERIVED = {"places", "work_mode", "work_mode_evidence"}
_LISTING_FIELDS = {f.name for f in JobRecord._meta.get_fields()} - {
    "id", "owner_id", "search", "version", "position", "is_expired", "duplicate_of"} - _DERIVED
