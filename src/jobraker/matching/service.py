"""Queries over jobs for one candidate: top matches, one job's explanation, free-text search."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q, QuerySet
from pgvector.django import CosineDistance

from jobraker.domain.automation import SOFT_FILTERS
from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.matching.filters import FILTERS, Wants, apply_filters, first_filter_removing, one_per_job
from jobraker.matching.rates import current_rates
from jobraker.matching.scoring import Match, rank
from jobraker.matching.verdicts import verdict
from jobraker.projections.models import CandidateRecord, CandidateVector, JobRecord, JobVector


@dataclass
class Matches:
    model: str
    removed_by_filter: dict[str, int]
    results: list[Match]


class CandidateErased(Exception):
    """The candidate's key is destroyed: there is nothing to match for them."""


@dataclass
class Seeker:
    """What matching needs to know about one candidate."""

    wants: Wants
    vector: list[float] | None
    skills: list[str]
    keywords: list[str]

    @classmethod
    def load(cls, candidate_id: UUID) -> Seeker:
        record = CandidateRecord.objects.get(id=candidate_id)
        # Sealed under the candidate's key: None once it is gone (erasure; their row goes next).
        if record.profile is None and record.preferences is None and record.name is None:
            raise CandidateErased(candidate_id)
        row = CandidateVector.objects.filter(candidate_id=candidate_id).first()
        vector = list(row.embedding) if row is not None and row.embedding is not None else None
        return cls(
            wants=Wants.of(candidate_id, record.profile, record.preferences),
            vector=vector,
            skills=list(record.profile.get("skills", [])),
            keywords=list(record.preferences.get("keywords", [])),
        )

    def rank(self, jobs: QuerySet[JobRecord], provider: EmbeddingProvider) -> list[Match]:
        matches = rank(jobs, self.vector, self.skills, self.keywords, provider, self.wants.salary_floor)
        return with_verdicts(matches, self.wants)


def with_verdicts(matches: list[Match], wants: Wants) -> list[Match]:
    """Each match with the filters' verdict: its penalty lowers the score (a work mode the
    candidate did not ask for, an estimated salary below their floor), its notes replace the
    scorer's salary notes (the verdict compares pay in the candidate's currency)."""
    rates = current_rates()
    for match in matches:
        found = verdict(match.job, wants, rates)
        match.score = round(match.score * (1 - found.penalty))
        match.notes = [*found.notes, *(note for note in match.notes if "salary" not in note)]
        match.filters = found.as_dict()
    return sorted(matches, key=lambda m: (-m.score, -m.similarity, str(m.job.id)))


def top_matches(candidate_id: UUID, provider: EmbeddingProvider, limit: int = 20) -> Matches:
    seeker = Seeker.load(candidate_id)
    jobs, removed = apply_filters(JobRecord.objects.all(), seeker.wants)
    return Matches(provider.model, removed, seeker.rank(jobs, provider)[:limit])


def explain(candidate_id: UUID, job: JobRecord, provider: EmbeddingProvider) -> tuple[Match | None, str | None]:
    """The job's score and reasons for this candidate, and the filter that removes it (if one does)."""
    seeker = Seeker.load(candidate_id)
    scored = seeker.rank(JobRecord.objects.filter(id=job.id), provider)
    return (scored[0] if scored else None), first_filter_removing(job, seeker.wants)


@dataclass
class Screening:
    """One job for one candidate, as auto-apply sees it under the candidate's strategy."""

    match: Match | None
    removed_by: str | None  # the first filter that removes the job
    soft_misses: list[str]  # "nice to have" filters it misses, only noted by a lenient strategy


def screen(candidate_id: UUID, job: JobRecord, provider: EmbeddingProvider, strict: bool) -> Screening:
    """Like ``explain``, but each filter is asked on its own: a strict strategy lets any
    miss remove the job; a lenient one removes it only for a hard filter (expired, already
    applied, excluded company, avoided keyword, country) and notes the soft misses."""
    seeker = Seeker.load(candidate_id)
    scored = seeker.rank(JobRecord.objects.filter(id=job.id), provider)
    this_job = JobRecord.objects.filter(id=job.id)
    missed = [name for name, keep in FILTERS if not this_job.filter(keep(seeker.wants)).exists()]
    soft = [name for name in missed if name in SOFT_FILTERS]
    hard = [name for name in missed if strict or name not in SOFT_FILTERS]
    return Screening(scored[0] if scored else None, hard[0] if hard else None, soft)


def semantic_search(text: str, provider: EmbeddingProvider, limit: int = 20) -> list[tuple[JobRecord, float]]:
    vector = provider.embed_query(text)
    nearest = (
        JobVector.objects.filter(job_id__in=JobRecord.objects.filter(Q(is_expired=False) & one_per_job()).values("id"))
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")[:limit]
    )
    similarity = {row.job_id: 1.0 - row.distance for row in nearest}
    jobs = JobRecord.objects.in_bulk(list(similarity))
    return [(jobs[job_id], sim) for job_id, sim in similarity.items() if job_id in jobs]
