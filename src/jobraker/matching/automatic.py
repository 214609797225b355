"""Jobraker's own matching: scoring jobs for the candidates whose automation mode records
matches, and recording those that reach the candidate's minimum score (which queues them in
full mode, or prepares them for approval in approve mode)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from jobraker.domain.automation import MATCHING_MODES
from jobraker.domain.commands.applications import Preparer
from jobraker.domain.service import Jobraker
from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.matching.service import CandidateErased, screen, top_matches
from jobraker.projections.models import CandidateRecord, JobRecord

EXISTING_JOBS_CONSIDERED = 50


def matching_candidates() -> QuerySet[CandidateRecord]:
    """Active candidates whose mode records matches (suggest, approve, full)."""
    # (rows projected before automation modes existed carry only "enabled")
    return CandidateRecord.objects.filter(Q(auto_apply__mode__in=sorted(MATCHING_MODES)) | Q(auto_apply__enabled=True),
                                          is_active=True)


@dataclass
class AutoMatcher:
    jobraker: Jobraker
    provider: EmbeddingProvider
    prepare: Preparer

    def consider(self, candidate_id: UUID, automation: dict[str, Any], job: JobRecord) -> bool:
        """Record the job as a match if it passes the candidate's filters and minimum score."""
        try:
            screening = screen(candidate_id, job, self.provider, strict=automation.get("strict_filters", True))
        except CandidateErased:  # one erased candidate must not stop the others' matching
            return False
        match = screening.match
        if match is None or screening.removed_by is not None or match.score < automation.get("min_score", 100):
            return False
        self.jobraker.record_match(
            candidate_id, job.id, match.score, self.provider.model, match.explanation(self.provider.model),
            soft_misses=screening.soft_misses, prepare=self.prepare,
        )
        return True

    def new_job(self, job: JobRecord) -> int:
        """A job just posted, for every candidate who wants matches."""
        return sum(self.consider(cid, automation, job) for cid, automation in
                   matching_candidates().values_list("id", "auto_apply"))

    def existing_jobs(self, candidate_id: UUID) -> int:
        """The best jobs already known, for a candidate whose wishes or mode just changed (new
        listings are matched as they arrive; these arrived before)."""
        record = matching_candidates().filter(id=candidate_id).first()
        if record is None:
            return 0
        try:
            best = top_matches(candidate_id, self.provider, limit=EXISTING_JOBS_CONSIDERED).results
        except CandidateErased:
            return 0
        return sum(self.consider(candidate_id, record.auto_apply, match.job) for match in best)
