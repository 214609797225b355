"""Embeddings of jobs and candidates, kept beside the read models for matching.

The model that made each vector is stored with it; switching models is a rebuild
of this projection (cached texts are not re-embedded for the same model)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.domain.personal import ERASED
from jobraker.embeddings.cache import embed_passages
from jobraker.embeddings.models import EmbeddingCache
from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.projections.base import Projection
from jobraker.projections.models import CandidateVector, JobVector

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

    def __init__(self, provider: EmbeddingProvider | None = None) -> None:
        self._provider = provider

    @property
    def provider(self) -> EmbeddingProvider:
        if self._provider is None:
            from jobraker.embeddings.selection import get_provider

            self._provider = get_provider()
        return self._provider

    def reset(self) -> None:
        JobVector.objects.all().delete()
        CandidateVector.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _job_posted(self, event: Job.Posted, position: int) -> None:
        self._embed_job(event.originator_id, {name: getattr(event, name) for name in JOB_TEXT_FIELDS})

    @process.register
    def _job_changed(self, event: Job.Changed, position: int) -> None:
        if not set(event.changes) & set(JOB_TEXT_FIELDS):
            return
        row = JobVector.objects.filter(job_id=event.originator_id).first()
        fields = {**(row.fields if row else {}), **{k: v for k, v in event.changes.items() if k in JOB_TEXT_FIELDS}}
        self._embed_job(event.originator_id, fields)

    @process.register
    def _profile(self, event: Candidate.ProfileChanged, position: int) -> None:
        self._embed_candidate(event)

    @process.register
    def _preferences(self, event: Candidate.PreferencesChanged, position: int) -> None:
        self._embed_candidate(event)

    @process.register
    def _resume(self, event: Candidate.ResumeUploaded, position: int) -> None:
        self._embed_candidate(event)

    @process.register
    def _resume_deleted(self, event: Candidate.ResumeDeleted, position: int) -> None:
        self._embed_candidate(event)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        # The cached vectors of their texts are derived personal data too (privacy/leftovers.py
        # deletes them at erasure as well; this catches any the projector wrote meanwhile).
        EmbeddingCache.objects.filter(subject_id=event.originator_id).delete()
        CandidateVector.objects.filter(candidate_id=event.originator_id).delete()

    def _embed_job(self, job_id: Any, fields: dict[str, Any]) -> None:
        [vector] = embed_passages(self.provider, [job_text(fields)])
        JobVector.objects.update_or_create(
            job_id=job_id, defaults={"fields": fields, "model": self.provider.model, "embedding": vector}
        )

    def _embed_candidate(self, event: Any) -> None:
        """Embed the candidate as they were after this event. Their texts are read from the event
        store (the row keeps none); an erased candidate's history embeds nothing."""
        text = _text_at(event.originator_id, event.originator_version)
        if text is None:
            return
        embedding, model = (embed_passages(self.provider, [text], subject_id=event.originator_id)[0],
                            self.provider.model) if text else (None, "")
        CandidateVector.objects.update_or_create(
            candidate_id=event.originator_id, defaults={"embedding": embedding, "model": model}
        )


def _text_at(candidate_id: Any, version: int) -> str | None:
    """The text a candidate's vector is made of at that version; None once they are erased."""
    from jobraker.eventstore.app import get_jobraker

    candidate = get_jobraker().repository.get(candidate_id, version=version)
    resume = candidate.resume.text if candidate.resume is not None else ""
    if any(value is ERASED for value in (candidate.profile, candidate.preferences, resume)):
        return None
    return candidate_text(candidate.profile.as_dict(), candidate.preferences.as_dict(), resume)
