"""The hybrid score: meaning (vector similarity), words (full-text rank) and skills, as 0–100.

Candidates for ranking are the union of the nearest jobs by vector (HNSW, cosine) and
the best by full-text rank, so a job that shares the exact words but is phrased
unusually is not missed, nor one that means the same in other words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, QuerySet
from pgvector.django import CosineDistance

from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.projections.models import JobRecord, JobVector

POOL = 100  # nearest by vector, best by text: each side's size
INDEX_CANDIDATES = 400  # nearest of all jobs read from the HNSW index, before the filters
WEIGHTS = {"meaning": 0.55, "skills": 0.30, "words": 0.15}
# ts_rank at which the words part counts in full: a job's score never depends on the others'.
WORDS_RANK_SATURATION = 0.5


@dataclass
class Match:
    job: JobRecord
    score: int
    similarity: float
    matched_skills: list[str]
    missing_skills: list[str]
    text_rank: float
    notes: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)  # the filters' verdict (matching/verdicts.py)

    def explanation(self, model: str) -> dict[str, Any]:
        return {
            "model": model,
            "similarity": round(self.similarity, 4),
            "text_rank": round(self.text_rank, 4),
            "matched_skills": self.matched_skills,
            "missing_skills": self.missing_skills,
            "weights": WEIGHTS,
            "notes": self.notes,
            **({"filters": self.filters} if self.filters else {}),
        }


def skill_overlap(skills: list[str], job: JobRecord) -> tuple[list[str], list[str]]:
    text = f"{job.title} {job.description}".lower()
    matched = [s for s in skills if re.search(rf"(?<![\w]){re.escape(s.lower())}(?![\w])", text)]
    return matched, [s for s in skills if s not in matched]


def words_query(skills: list[str], keywords: list[str]) -> SearchQuery | None:
    terms = [t for t in [*skills, *keywords] if t.strip()]
    if not terms:
        return None
    return SearchQuery(" or ".join(f'"{t}"' for t in terms), search_type="websearch", config="english")


def rank(
    jobs: QuerySet[JobRecord],
    vector: list[float] | None,
    skills: list[str],
    keywords: list[str],
    provider: EmbeddingProvider,
    salary_floor: int | None = None,
) -> list[Match]:
    similarities = _nearest(jobs, vector)
    words = words_query(skills, keywords)
    ranks = _text_ranks(jobs, words)
    pool_ids = set(similarities) | set(ranks)
    if vector is not None:
        similarities.update(_similarities(list(pool_ids - set(similarities)), vector))
    matches = []
    for job in JobRecord.objects.filter(id__in=pool_ids).defer("search"):  # the search vector is large and unused here
        similarity = similarities.get(job.id, 0.0)
        matched, missing = skill_overlap(skills, job)
        meaning = _calibrate(similarity, provider)
        skill_part = len(matched) / len(skills) if skills else meaning
        words_part = min(1.0, ranks.get(job.id, 0.0) / WORDS_RANK_SATURATION)
        score = 100 * (WEIGHTS["meaning"] * meaning + WEIGHTS["skills"] * skill_part + WEIGHTS["words"] * words_part)
        notes = _salary_notes(job, salary_floor)
        matches.append(Match(job, round(score), similarity, matched, missing, ranks.get(job.id, 0.0), notes))
    return sorted(matches, key=lambda m: (-m.score, -m.similarity, str(m.job.id)))


def _nearest(jobs: QuerySet[JobRecord], vector: list[float] | None) -> dict[UUID, float]:
    """The POOL filtered jobs nearest in meaning. The HNSW index finds the nearest of all jobs and
    the filters keep the acceptable ones; when too few of those are acceptable (strict filters),
    the exact distance over the filtered jobs — then few — decides."""
    if vector is None:
        return {}
    with transaction.atomic():
        with connection.cursor() as cursor:  # the index returns at most ef_search rows
            cursor.execute("SET LOCAL hnsw.ef_search = %s", [INDEX_CANDIDATES])
        nearest = list(
            JobVector.objects.annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("job_id", "distance")[:INDEX_CANDIDATES]
        )
    acceptable = set(jobs.filter(id__in=[job_id for job_id, _ in nearest]).values_list("id", flat=True))
    chosen = [(job_id, distance) for job_id, distance in nearest if job_id in acceptable][:POOL]
    if len(chosen) == POOL:
        return {job_id: 1.0 - distance for job_id, distance in chosen}
    exact = (
        JobVector.objects.filter(job_id__in=jobs.values("id"))
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .values_list("job_id", "distance")[:POOL]
    )
    return {job_id: 1.0 - distance for job_id, distance in exact}


def _similarities(job_ids: list[UUID], vector: list[float]) -> dict[UUID, float]:
    # Only the distances come back, not every row's 384 floats and text.
    rows = JobVector.objects.filter(job_id__in=job_ids).annotate(distance=CosineDistance("embedding", vector))
    return {job_id: 1.0 - distance for job_id, distance in rows.values_list("job_id", "distance")}


def _text_ranks(jobs: QuerySet[JobRecord], words: SearchQuery | None) -> dict[UUID, float]:
    if words is None:
        return {}
    ranked = jobs.filter(search=words).annotate(rank=SearchRank(F("search"), words)).order_by("-rank")[:POOL]
    return {job_id: float(rank) for job_id, rank in ranked.values_list("id", "rank")}


def _calibrate(similarity: float, provider: EmbeddingProvider) -> float:
    span = provider.similarity_ceiling - provider.similarity_floor
    return min(1.0, max(0.0, (similarity - provider.similarity_floor) / span))


def _salary_notes(job: JobRecord, floor: int | None) -> list[str]:
    top = job.salary_max if job.salary_max is not None else job.salary_min
    if floor and top is not None and top < floor and job.salary_is_predicted:
        return [f"salary {top:,.0f} is the source's estimate, below your floor of {floor:,}"]
    if job.salary_is_predicted and top is not None:
        return ["salary is the source's estimate, not stated by the employer"]
    return []
