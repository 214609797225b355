"""Embeddings of jobs and candidates, kept beside the read models for matching.

The model that made each vector is stored with it; switching models is a rebuild
of this projection (cached texts are not re-embedded for the same model)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.domain.personal import ERASED
from jobraker.embeddings.cache import content_hash, embed_passages
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
        self._embed_candidate(event.originator_id, profile=event.profile)

    @process.register
    def _preferences(self, event: Candidate.PreferencesChanged, position: int) -> None:
        self._embed_candidate(event.originator_id, preferences=event.preferences)

    @process.register
    def _resume(self, event: Candidate.ResumeUploaded, position: int) -> None:
        self._embed_candidate(event.originator_id, resume_text=event.text)

    @process.register
    def _resume_deleted(self, event: Candidate.ResumeDeleted, position: int) -> None:
        self._embed_candidate(event.originator_id, resume_text="")

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        row = CandidateVector.objects.filter(candidate_id=event.originator_id).first()
        if row is None:
            return
        # The cached vector of their text is derived personal data too (and its key a hash of it).
        text = candidate_text(row.profile, row.preferences, row.resume_text)
        EmbeddingCache.objects.filter(content_hash=content_hash(row.model or self.provider.model, "passage", text)).delete()
        row.delete()

    def _embed_job(self, job_id: Any, fields: dict[str, Any]) -> None:
        [vector] = embed_passages(self.provider, [job_text(fields)])
        JobVector.objects.update_or_create(
            job_id=job_id, defaults={"fields": fields, "model": self.provider.model, "embedding": vector}
        )

    def _embed_candidate(self, candidate_id: Any, **change: Any) -> None:
        if any(value is ERASED for value in change.values()):
            return  # replaying an erased candidate's history
        row, _ = CandidateVector.objects.get_or_create(candidate_id=candidate_id)
        for name, value in change.items():
            setattr(row, name, value)
        text = candidate_text(row.profile, row.preferences, row.resume_text)
        row.embedding, row.model = (embed_passages(self.provider, [text])[0], self.provider.model) if text else (None, "")
        row.save()
