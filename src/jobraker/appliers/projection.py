"""The submissions read model: which applier sent an application (Skyvern, the sandbox, or
dry-run), its run, and whether the employer's site confirmed it, with the reason when not."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.appliers.models import SubmissionRecord
from jobraker.domain.application import Application
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.privacy.sealed_fields import for_subject
from jobraker.projections.base import Projection

# What each outcome of a sent submission means for its verification.
VERIFICATION_BY_ACTION = {
    "record_submitted": "confirmed",
    "record_unverified": "unverified",
    "confirm_submission": "confirmed_by_candidate",
    "record_failure": "failed",
    "flag_for_review": "needs_review",
    "record_posting_closed": "posting_closed",
    "request_input": "needs_input",
    "record_already_applied": "already_applied",
}
NO_EVIDENCE = {"run_status": "", "error_code": "", "recording_url": "", "screenshot_urls": [], "app_url": ""}


class SubmissionProjection(Projection):
    name = "submissions"

    def reset(self) -> None:
        SubmissionRecord.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _sent(self, event: Application.SubmissionSent, position: int) -> None:
        SubmissionRecord.objects.update_or_create(
            application_id=event.originator_id,
            defaults={
                "candidate_id": event.candidate_id, "applier": event.applier, "run_id": event.run_id,
                "dry_run": event.dry_run, "verification": "dry_run" if event.dry_run else "awaiting", "reason": "",
                "sent_at": event.timestamp, "updated_at": event.timestamp, **NO_EVIDENCE,
            },
        )

    @process.register
    def _run_reported(self, event: Application.RunReported, position: int) -> None:
        evidence = {} if event.evidence is ERASED else event.evidence or {}
        sealed = {name: for_subject(event.candidate_id, evidence.get(name) or empty)
                  for name, empty in (("recording_url", ""), ("screenshot_urls", []), ("app_url", ""))}
        SubmissionRecord.objects.filter(application_id=event.originator_id, run_id=event.run_id).update(
            run_status=event.run_status, error_code=event.error_code, updated_at=event.timestamp, **sealed,
        )

    @process.register
    def _status_changed(self, event: Application.StatusChanged, position: int) -> None:
        verification = VERIFICATION_BY_ACTION.get(event.action)
        if verification is None:
            return
        reason = "" if event.reason is ERASED else event.reason or ""
        # A dry run stays labelled as such: nothing was sent, so nothing was confirmed.
        SubmissionRecord.objects.filter(application_id=event.originator_id, dry_run=False).update(
            verification=verification, reason=for_subject(event.candidate_id, reason), updated_at=event.timestamp
        )

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        SubmissionRecord.objects.filter(candidate_id=event.originator_id).delete()
