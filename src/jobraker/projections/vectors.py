"""Embeddings of jobs and candidates, kept beside the read models for matching.

The projection only records what needs embedding (a pending row: an id and log positions, no
text); the ``embed_pending_vectors`` actor embeds in batches and writes the vectors
(projections/embedder.py), so a slow model or a burst of listings never holds the projector.
The model that made each vector is stored with it; switching models is a rebuild of this
projection (cached texts are not re-embedded for the same model)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from django.db import connection, transaction

from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.domain.personal import ERASED
from jobraker.embeddings.models import EmbeddingCache
from jobraker.projections.base import Projection
from jobraker.projections.models import CandidateVector, EmbeddingPending, JobVector

JOB_TEXT_FIELDS = ("title", "company", "location", "description")
RESUME_CHARS = 4000  # e5 reads 512 tokens per window; the start of a resume says most


def job_text(fields: dict[str, Any]) -> str:
    return f"{fields.get('title', '')} at {fields.get('company', '')}, {fields.get('location', '')}. {fields.get('description', '')}".strip()


def candidate_text(profile: dict[str, Any], preferences: dict[str, Any], resume_text: str) -> str:
    parts = [
        profile.get("headline", ""),
        "Skills: " + ", ".join(profile.get("skills", [])) if profile.get("skills") else "",
        "Looking for: " + ", ".join(preferences.get("keywords", [])) if preferences.get("keywords") else "",
        resume_text[:RESUME_CHARS],
    ]
    return ". ".join(p for p in parts if p)


class VectorProjection(Projection):
    name = "vectors"

    def __init__(self) -> None:
        self._nudge_queued = False

    def reset(self) -> None:
        JobVector.objects.all().delete()
        CandidateVector.objects.all().delete()
        EmbeddingPending.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _job_posted(self, event: Job.Posted, position: int) -> None:
        self._pending(event.originator_id, "job", position)

    @process.register
    def _job_changed(self, event: Job.Changed, position: int) -> None:
        if set(event.changes) & set(JOB_TEXT_FIELDS):
            self._pending(event.originator_id, "job", position)

    @process.register
    def _profile(self, event: Candidate.ProfileChanged, position: int) -> None:
        self._pending(event.originator_id, "candidate", position)

    @process.register
    def _preferences(self, event: Candidate.PreferencesChanged, position: int) -> None:
        self._pending(event.originator_id, "candidate", position)

    @process.register
    def _resume(self, event: Candidate.ResumeUploaded, position: int) -> None:
        self._pending(event.originator_id, "candidate", position)

    @process.register
    def _resume_deleted(self, event: Candidate.ResumeDeleted, position: int) -> None:
        self._pending(event.originator_id, "candidate", position)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        # The cached vectors of their texts are derived personal data too (privacy/leftovers.py
        # deletes them at erasure as well; this catches any the worker wrote meanwhile). The
        # worker writes a vector only while its pending row exists, so deleting the row here
        # also stops one being embedded now.
        EmbeddingPending.objects.filter(target_id=event.originator_id).delete()
        EmbeddingCache.objects.filter(subject_id=event.originator_id).delete()
        CandidateVector.objects.filter(candidate_id=event.originator_id).delete()

    def _pending(self, target_id: Any, kind: str, position: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(PENDING_UPSERT, [target_id, kind, position, position])
        if not self._nudge_queued:  # one message per committed batch, not per event
            self._nudge_queued = True
            transaction.on_commit(self._nudge, robust=True)

    def _nudge(self) -> None:
        from jobraker.projections.embedder import nudge

        self._nudge_queued = False
        nudge()


# One round trip per event; a row already pending keeps its first unembedded position.
PENDING_UPSERT = """
INSERT INTO jobraker_embedding_pending AS pending (target_id, kind, since, position)
VALUES (%s, %s, %s, %s)
ON CONFLICT (target_id) DO UPDATE SET
    position = GREATEST(pending.position, EXCLUDED.position),
    since = LEAST(pending.since, EXCLUDED.since)
"""


def job_text_of(job: Any) -> str:
    return job_text({name: getattr(job, name) for name in JOB_TEXT_FIELDS})


def text_at(candidate_id: Any, version: int | None = None) -> str | None:
    """The text a candidate's vector is made of at that version (the latest by default); None
    once they are erased."""
    from jobraker.eventstore.app import get_jobraker

    candidate = get_jobraker().repository.get(candidate_id, version=version)
    resume = candidate.resume.text if candidate.resume is not None else ""
    if any(value is ERASED for value in (candidate.profile, candidate.preferences, resume)):
        return None
    return candidate_text(candidate.profile.as_dict(), candidate.preferences.as_dict(), resume)


_text_at = text_at  # the name tests and older callers use
