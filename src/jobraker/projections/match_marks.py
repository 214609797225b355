"""Which precomputed matches are out of date: one mark per candidate or listing, nothing more.

Scoring needs the vectors and ranks every job, so it runs in a worker
(``matching/precomputed.py``, actor ``refresh_matches``), never inside the projector's
batches: this projection stays as cheap as the others and can never hold them back. It also
drops a candidate's precomputed rows at erasure."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.domain.application import Application
from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.matching.precomputed import forget, mark_candidate, mark_listing
from jobraker.projections.base import Projection
from jobraker.projections.models import MatchMark


class MatchMarksProjection(Projection):
    name = "match_marks"

    def reset(self) -> None:
        # A rebuild marks every candidate and listing again from the log; the rows computed
        # so far stay and are replaced as the worker drains the marks.
        MatchMark.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _posted(self, event: Job.Posted, position: int) -> None:
        mark_listing(event.originator_id, position, "posted")

    @process.register
    def _changed(self, event: Job.Changed, position: int) -> None:
        mark_listing(event.originator_id, position, "changed")

    @process.register
    def _expired(self, event: Job.Expired, position: int) -> None:
        mark_listing(event.originator_id, position, "expired")

    @process.register
    def _linked(self, event: Job.DuplicateLinked, position: int) -> None:
        # A duplicate leaves every list (the "expired" filter keeps one listing per job), and a
        # page showing it must show the link: a change like any other.
        mark_listing(event.originator_id, position, "changed")

    # What the candidate offers and wants, their strategy, and what they applied to (the
    # "already applied" filter): each ranks their jobs anew.
    @process.register
    def _registered(self, event: Candidate.Registered, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _profile(self, event: Candidate.ProfileChanged, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _preferences(self, event: Candidate.PreferencesChanged, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _resume(self, event: Candidate.ResumeUploaded, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _resume_deleted(self, event: Candidate.ResumeDeleted, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _strategy(self, event: Candidate.AutoApplySettingsChanged, position: int) -> None:
        mark_candidate(event.originator_id, position)

    @process.register
    def _deactivated(self, event: Candidate.Deactivated, position: int) -> None:
        mark_candidate(event.originator_id, position)  # the worker drops an inactive candidate's rows

    @process.register
    def _applied(self, event: Application.Started, position: int) -> None:
        mark_candidate(event.candidate_id, position, wishes=False)  # the reads leave the job out meanwhile

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        forget(event.originator_id)

