"""Applications by candidate and status, and every application's timeline."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

import structlog
from django.db.models import F

from jobraker.domain.application import SENDING_STATUSES, TERMINAL, Application, Status
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.privacy.keyring import SubjectErased
from jobraker.projections.base import Projection
from jobraker.projections.batching import HeldRows, copy_rows
from jobraker.projections.models import ApplicationRecord, TimelineEntry

log = structlog.get_logger(__name__)


class ApplicationProjection(Projection):
    name = "applications"

    def __init__(self) -> None:
        self._held: HeldRows | None = None  # a rebuild's batch in memory (projections/batching.py)

    def reset(self) -> None:
        ApplicationRecord.objects.all().delete()

    def apply_batch(self, events: list[tuple[Any, int, dict[str, Any]]]) -> None:
        self._held = HeldRows(ApplicationRecord.objects, {e.originator_id for e, _, _ in events})
        try:
            for event, position, _ in events:
                self.process(event, position)
            self._held.write()
        finally:
            self._held = None

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _started(self, event: Application.Started, position: int) -> None:
        values = {
            "candidate_id": event.candidate_id,
            "job_id": event.job_id,
            "source": event.source,
            "status": event.status,
            "score": event.score,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
            "submitted_at": event.timestamp if event.status == Status.SUBMITTED.value else None,
            "version": event.originator_version,
            "position": position,
        }
        if self._held is not None:
            self._held.put(event.originator_id, **values)
            return
        # One INSERT … ON CONFLICT (a replayed event rewrites its row), not update_or_create.
        ApplicationRecord.objects.bulk_create(
            [ApplicationRecord(id=event.originator_id, **values)],
            update_conflicts=True, unique_fields=["id"], update_fields=list(values),
        )

    @process.register
    def _status_changed(self, event: Application.StatusChanged, position: int) -> None:
        fields = {"status": event.status, "updated_at": event.timestamp}
        if event.status == Status.SUBMITTED.value:
            fields["submitted_at"] = event.timestamp
        if Status(event.status) in SENDING_STATUSES | TERMINAL:
            fields["skip_reason"] = ""  # on its way again (or over): an earlier skip no longer holds
        if event.status == Status.NEEDS_INPUT.value:
            fields["skip_reason"] = "needs_input"
        self._change(event.originator_id, **fields, version=event.originator_version, position=position)

    @process.register
    def _run_reported(self, event: Application.RunReported, position: int) -> None:
        self._change(event.originator_id, version=event.originator_version, position=position)

    @process.register
    def _mail_received(self, event: Application.MailReceived, position: int) -> None:
        ApplicationRecord.objects.filter(id=event.originator_id).update(version=event.originator_version, position=position)

    @process.register
    def _cover_letter(self, event: Application.CoverLetterReviewed, position: int) -> None:
        self._change(event.originator_id, version=event.originator_version, position=position)

    @process.register
    def _send_skipped(self, event: Application.SendSkipped, position: int) -> None:
        self._change(event.originator_id, skip_reason=event.skip_reason, version=event.originator_version,
                     position=position, updated_at=event.timestamp)

    @process.register
    def _note_added(self, event: Application.NoteAdded, position: int) -> None:
        held = self._held.get(event.originator_id) if self._held is not None else None
        notes = held.notes + 1 if held is not None else F("notes") + 1  # one statement: no read, then write
        self._change(event.originator_id, notes=notes, version=event.originator_version, position=position,
                     updated_at=event.timestamp)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        if self._held is not None:
            self._held.write()
            self._held.drop(candidate_id=event.originator_id)
        ApplicationRecord.objects.filter(candidate_id=event.originator_id).delete()

    def _change(self, application_id: Any, **fields: Any) -> None:
        if self._held is not None:
            self._held.change(application_id, **fields)
        else:
            ApplicationRecord.objects.filter(id=application_id).update(**fields)


class TimelineProjection(Projection):
    name = "timeline"

    def __init__(self) -> None:
        self._batch: list[TimelineEntry] | None = None  # a rebuild's entries, written together

    def reset(self) -> None:
        TimelineEntry.objects.all().delete()

    def apply_batch(self, events: list[tuple[Any, int, dict[str, Any]]]) -> None:
        self._batch = []
        try:
            for event, position, _ in events:
                if isinstance(event, Candidate.ErasureCompleted):
                    self._write_batch()  # what came before is written, then deleted with the rest
                self.process(event, position)
            self._write_batch()
        finally:
            self._batch = None

    def _write_batch(self) -> None:
        """One INSERT for the batch's entries; the entries of a subject erased meanwhile (its key
        is gone, so nothing of theirs can be sealed) are left out, as event by event."""
        while self._batch:
            try:
                self._upsert(self._batch)
                self._batch = []
            except SubjectErased as erased:
                kept = [entry for entry in self._batch if str(entry.candidate_id) != str(erased.args[0])]
                if len(kept) == len(self._batch):
                    raise
                log.info("events_of_erased_subject_skipped", projection=self.name, count=len(self._batch) - len(kept))
                self._batch = kept

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _started(self, event: Application.Started, position: int) -> None:
        explanation = None if event.explanation is ERASED else event.explanation
        detail = {"source": event.source, "score": event.score, "model": event.model, "explanation": explanation}
        self._entry(event, action="start", status=event.status, by=event.by, detail=detail)

    @process.register
    def _status_changed(self, event: Application.StatusChanged, position: int) -> None:
        detail = {}
        if event.reason and event.reason is not ERASED:
            detail["reason"] = event.reason
        if event.retryable is not None:
            detail["retryable"] = event.retryable
        if event.at is not None:
            detail["at"] = event.at.isoformat()
        self._entry(event, action=event.action, status=event.status, by=event.by, detail=detail)

    @process.register
    def _run_reported(self, event: Application.RunReported, position: int) -> None:
        evidence = {} if event.evidence is ERASED else event.evidence or {}
        detail = {"run_id": event.run_id, "run_status": event.run_status, "error_code": event.error_code, **evidence}
        self._entry(event, action="run_reported", status="", by="system", detail=detail)

    @process.register
    def _mail_received(self, event: Application.MailReceived, position: int) -> None:
        sealed = {"sender_domain": event.sender_domain, "subject": event.subject}
        detail = {"kind": event.kind, "read_by": event.read_by, "proposed": event.proposed or None,
                  "interview_at": event.interview_at.isoformat() if event.interview_at else None,
                  **{name: None if value is ERASED else value for name, value in sealed.items()}}
        self._entry(event, action="mail", status="", by="system", detail=detail)

    @process.register
    def _cover_letter(self, event: Application.CoverLetterReviewed, position: int) -> None:
        # The letter itself is read from the application's events (sealed) by the detail view.
        invented = None if event.invented is ERASED else event.invented
        self._entry(event, action="cover_letter", status="", by="system", detail={"passed": event.passed, "invented": invented})

    @process.register
    def _send_skipped(self, event: Application.SendSkipped, position: int) -> None:
        self._entry(event, action="skipped", status="", by="system", detail={"skip_reason": event.skip_reason})

    @process.register
    def _note_added(self, event: Application.NoteAdded, position: int) -> None:
        text = None if event.text is ERASED else event.text
        self._entry(event, action="note", status="", by=event.by, detail={"text": text})

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        TimelineEntry.objects.filter(candidate_id=event.originator_id).delete()

    def _entry(self, event: object, *, action: str, status: str, by: str, detail: dict) -> None:
        # One INSERT … ON CONFLICT (replaying an event rewrites its row), not update_or_create's
        # savepoint, SELECT … FOR UPDATE and INSERT: a rebuild writes one entry per event.
        entry = TimelineEntry(
            aggregate_id=event.originator_id,
            version=event.originator_version,
            candidate_id=event.candidate_id,
            kind=type(event).__name__,
            action=action,
            status=status,
            by=by,
            at=event.timestamp,
            detail=detail,
        )
        if self._batch is not None:
            self._batch.append(entry)
        else:
            self._upsert([entry])

    def _upsert(self, entries: list[TimelineEntry]) -> None:
        if self._batch is not None:  # a rebuild, into the emptied table: nothing to conflict with
            copy_rows(TimelineEntry, entries)
            return
        TimelineEntry.objects.bulk_create(
            entries, update_conflicts=True, unique_fields=["aggregate_id", "version"], update_fields=_ENTRY_FIELDS
        )


_ENTRY_FIELDS = ["candidate_id", "kind", "action", "status", "by", "at", "detail"]
