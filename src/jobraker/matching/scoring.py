"""The match score: what the filters keep, ranked by how well it fits the candidate.

Four kinds of evidence, each from what the candidate gave:

- **meaning**: e5 similarity of the candidate's passage (headline, skills, wishes,
  resume) and the job's passage;
- **skills**: the candidate's skills named in the job under any common name
  (matching/skills.py), or close to it by meaning (each skill's embedding against the job's);
- **words**: the headline and wished-for job titles in the job's title, and the full-text
  rank of the candidate's words;
- **seniority**: the level the job asks for against the candidate's years (matching/seniority.py).

They are combined by reciprocal-rank fusion. So that a job's score never depends on which
other jobs happen to be listed (one job is scored the same in a list, in ``explain`` and
when auto-apply screens it), each piece of evidence is turned into the rank it would have
among ``REFERENCE_JOBS`` jobs spread evenly over that evidence's range, not into its rank
among today's jobs. The fused value is mapped to 0–100 by ``CALIBRATION`` so that the
strategies' minimums mean what docs/automation.md says; a list leaves out jobs below
``RELEVANCE_FLOOR``.

Candidates for ranking are the union of the nearest jobs by vector (HNSW, cosine) and the
best by full-text rank, as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Protocol
from uuid import UUID

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, QuerySet
from pgvector.django import CosineDistance

from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.matching import seniority
from jobraker.matching import skills as skill_names
from jobraker.projections.models import JobRecord, JobVector

POOL = 100  # nearest by vector, best by text: each side's size
INDEX_CANDIDATES = 400  # nearest of all jobs read from the HNSW index, before the filters

# Fusion: weight of each kind of evidence, the reference list's length and RRF's constant.
WEIGHTS = {"meaning": 1.0, "skills": 1.0, "words": 2.0}
REFERENCE_JOBS = 100
RRF_K = 60  # RRF's usual constant: a job first on one count and poor on the others is not a match
# Meaning is a cosine of passages; these are the similarities (per model family) below which
# two passages share nothing useful and above which they describe the same work.
MEANING_RANGE = {"e5": (0.80, 0.92), "default": None}  # None: the provider's floor and ceiling
SKILLS_FOR_FULL_CREDIT = 0.6  # share of the candidate's skills a job must show to count in full
WORDS_RANK_SATURATION = 0.3  # ts_rank at which full-text relevance counts in full
SIMILAR_SKILL_MARGIN = 0.02  # a skill is "similar" when its similarity to the job beats its mean by this
# Fused evidence (0–1) → score: (fused, score) points, linear between them. Set on the labelled
# set of bench/matching_eval.py (docs/automation.md, "What a score means"): of the irrelevant jobs
# the filters keep, 80 is reached by 0.2%, 70 by 2%, 55 by 11%.
CALIBRATION = ((0.0, 0.0), (0.05, 40.0), (0.11, 55.0), (0.17, 70.0), (0.35, 80.0), (1.0, 100.0))
RELEVANCE_FLOOR = 40  # a list leaves out jobs scoring below this: nothing in them fits


class Seekerlike(Protocol):
    vector: list[float] | None
    skills: list[str]
    keywords: list[str]
    headline: str
    years_experience: int
    salary_floor: int | None

    def skill_vectors(self, provider: EmbeddingProvider) -> dict[str, list[float]]: ...


@dataclass
class Match:
    job: JobRecord
    score: int
    similarity: float
    matched_skills: list[str]
    missing_skills: list[str]
    text_rank: float
    notes: list[str] = field(default_factory=list)
    similar_skills: list[str] = field(default_factory=list)
    evidence: dict[str, float] = field(default_factory=dict)
    asked_level: int | None = None
    filters: dict[str, Any] = field(default_factory=dict)  # the filters' verdict (matching/verdicts.py)

    def explanation(self, model: str) -> dict[str, Any]:
        return {
            "model": model,
            "similarity": round(self.similarity, 4),
            "text_rank": round(self.text_rank, 4),
            "matched_skills": self.matched_skills,
            "similar_skills": self.similar_skills,
            "missing_skills": self.missing_skills,
            "evidence": {name: round(value, 3) for name, value in self.evidence.items()},
            "asked_level": self.asked_level,
            "weights": WEIGHTS,
            "notes": self.notes,
            **({"filters": self.filters} if self.filters else {}),
        }


# -- fusion and calibration --------------------------------------------------------------------

def reference_rank(evidence: float) -> float:
    """Where a job with this evidence (0–1) would rank among REFERENCE_JOBS spread evenly over it."""
    return 1 + (REFERENCE_JOBS - 1) * (1 - min(1.0, max(0.0, evidence)))


def fuse(evidence: dict[str, float]) -> float:
    """Reciprocal-rank fusion of the evidence's reference ranks, scaled to 0–1 (1: first on every
    count), times the seniority fit: a role out of the candidate's reach is out of reach however
    well the words fit (fused as a fourth rank instead, it let senior roles outrank juniors)."""
    return _rrf(evidence) * evidence.get("seniority", 1.0)


def _rrf(evidence: dict[str, float]) -> float:
    best = sum(w / (RRF_K + 1) for w in WEIGHTS.values())
    worst = sum(w / (RRF_K + REFERENCE_JOBS) for w in WEIGHTS.values())
    fused = sum(w / (RRF_K + reference_rank(evidence.get(name, 0.0))) for name, w in WEIGHTS.items())
    return (fused - worst) / (best - worst)


def calibrated(fused: float) -> int:
    for (x0, y0), (x1, y1) in pairwise(CALIBRATION):
        if fused <= x1:
            return round(y0 + (y1 - y0) * (fused - x0) / (x1 - x0))
    return 100


# -- evidence ---------------------------------------------------------------------------------

def meaning_evidence(similarity: float, provider: EmbeddingProvider) -> float:
    low, high = _meaning_range(provider)
    return min(1.0, max(0.0, (similarity - low) / (high - low)))


def _meaning_range(provider: EmbeddingProvider) -> tuple[float, float]:
    known = MEANING_RANGE["e5"] if "e5" in provider.model else MEANING_RANGE["default"]
    return known or (provider.similarity_floor, provider.similarity_ceiling)


def words_evidence(text_rank: float, title: float) -> float:
    return max(title, min(1.0, text_rank / WORDS_RANK_SATURATION) * 0.7)


def skills_evidence(coverage: float, has_skills: bool, meaning: float) -> float:
    if not has_skills:
        return meaning  # nothing stated: meaning stands in, as before
    return min(1.0, coverage / SKILLS_FOR_FULL_CREDIT)


# -- scoring ------------------------------------------------------------------------------------

def score_job(job: JobRecord, seeker: Seekerlike, provider: EmbeddingProvider, similarity: float,
              text_rank: float, job_vector: list[float] | None = None,
              skill_vectors: dict[str, list[float]] | None = None) -> Match:
    """One job's match for one candidate, from its similarity and full-text rank."""
    text = f"{job.title} {job.description}"
    similar = _similar_skills(seeker.skills, job_vector, skill_vectors or {})
    found = skill_names.evidence(seeker.skills, text, similar)
    asked = seniority.asked_level(job.title, job.description)
    meaning = meaning_evidence(similarity, provider)
    evidence = {
        "meaning": meaning,
        "skills": skills_evidence(found.coverage, bool(seeker.skills), meaning),
        "words": words_evidence(text_rank, skill_names.title_evidence(seeker.headline, seeker.keywords, job.title)),
        "seniority": seniority.fit(seeker.years_experience, asked),
    }
    return Match(job, calibrated(fuse(evidence)), similarity, list(found.named), list(found.missing), text_rank,
                 _salary_notes(job, seeker.salary_floor), list(found.similar), evidence, asked)


def _similar_skills(skills: Sequence[str], job_vector: list[float] | None, vectors: dict[str, list[float]]) -> list[str]:
    """Skills whose embedding is closer to the job than the candidate's skills are on average
    by a margin: "RGN" to a "Registered General Nurse" advert that never writes "RGN"."""
    if job_vector is None or not vectors:
        return []
    sims = {s: _cosine(vectors[s], job_vector) for s in skills if s in vectors}
    if len(sims) < 2:
        return []
    mean = sum(sims.values()) / len(sims)
    return [s for s, sim in sims.items() if sim >= mean + SIMILAR_SKILL_MARGIN]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = (sum(x * x for x in a) ** 0.5) * (sum(y * y for y in b) ** 0.5)
    return dot / norm if norm else 0.0


def rank(jobs: QuerySet[JobRecord], seeker: Seekerlike, provider: EmbeddingProvider, floor: int | None = RELEVANCE_FLOOR) -> list[Match]:
    """The filtered jobs worth showing, best first (those below ``floor`` left out)."""
    similarities = _nearest(jobs, seeker.vector)
    words = words_query(seeker)
    ranks = _text_ranks(jobs, words)
    pool_ids = set(similarities) | set(ranks)
    # Every pooled job gets both measures: one only on the vector side must not count a text rank
    # of 0 because today's pool pushed it out of the text side's top POOL (and the reverse).
    if seeker.vector is not None:
        similarities.update(_similarities(list(pool_ids - set(similarities)), seeker.vector))
    if words is not None:
        ranks.update(_text_ranks(JobRecord.objects.filter(id__in=pool_ids - set(ranks)), words))
    vectors = dict(JobVector.objects.filter(job_id__in=pool_ids).values_list("job_id", "embedding")) if seeker.skills else {}
    skill_vectors = seeker.skill_vectors(provider) if seeker.skills else {}
    matches = [
        score_job(job, seeker, provider, similarities.get(job.id, 0.0), ranks.get(job.id, 0.0),
                  _as_list(vectors.get(job.id)), skill_vectors)
        for job in JobRecord.objects.filter(id__in=pool_ids).defer("search")  # the search vector is large and unused here
    ]
    kept = [m for m in matches if floor is None or m.score >= floor]
    return sorted(kept, key=lambda m: (-m.score, -m.similarity, str(m.job.id)))


def score_one(job: JobRecord, seeker: Seekerlike, provider: EmbeddingProvider) -> Match | None:
    """One job for one candidate, floor or not (explain, screening, a projection of matches)."""
    scored = rank(JobRecord.objects.filter(id=job.id), seeker, provider, floor=None)
    return scored[0] if scored else None


def _as_list(vector: Any) -> list[float] | None:
    return None if vector is None else list(vector)


def words_query(seeker: Seekerlike) -> SearchQuery | None:
    terms = {name for t in [*seeker.skills, *seeker.keywords] if t.strip() for name in skill_names.names_of(t)[:3]}
    terms |= {w for w in re.findall(r"[\w+#]+", seeker.headline.lower()) if w not in skill_names.GENERIC_TITLE_WORDS and len(w) > 2}
    terms = {t.replace('"', "") for t in terms if t.strip()}
    if not terms:
        return None
    return SearchQuery(" or ".join(f'"{t}"' for t in sorted(terms)), search_type="websearch", config="english")


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


def _salary_notes(job: JobRecord, floor: int | None) -> list[str]:
    top = job.salary_max if job.salary_max is not None else job.salary_min
    if floor and top is not None and top < floor and job.salary_is_predicted:
        return [f"salary {top:,.0f} is the source's estimate, below your floor of {floor:,}"]
    if job.salary_is_predicted and top is not None:
        return ["salary is the source's estimate, not stated by the employer"]
    return []
