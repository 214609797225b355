"""The embedding worker's side of the vectors projection: claim pending rows, read their texts
from the event store (a candidate's are personal: never copied out of it but into the model),
embed them in one batch, and write the vectors.

Idempotent and safe to run in several workers at once: a claimed row is leased, a vector is
written only while its pending row still exists (an erasure deletes the row first), and a row
whose target changed again meanwhile stays pending for the next round."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from jobraker.domain.errors import NotFound
from jobraker.embeddings.cache import embed_for_subjects
from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.privacy.keyring import SubjectErased
from jobraker.projections.models import CandidateVector, EmbeddingPending, JobVector, ProjectionPosition
from jobraker.projections.vectors import job_text_of, text_at

log = structlog.get_logger(__name__)

BATCH = 64  # texts per model call: e5 on a CPU embeds about this many in a second
# A killed worker's claim comes back after this: 30 times what a batch takes, so a live worker
# keeps its claim (and one that loses it only makes a second worker embed the same rows again).
LEASE = timedelta(seconds=30)
NUDGE_KEY = "jobraker:embed:nudged"
NUDGE_TTL_SECONDS = 60  # a lost message is re-sent after this (and by the scheduler)


@dataclass(frozen=True)
class Claimed:
    target_id: UUID
    kind: str
    position: int


def embed_pending(provider: EmbeddingProvider, limit: int = BATCH) -> int:
    """Embed up to ``limit`` pending targets; returns how many were claimed (0: nothing to do)."""
    claimed = _claim(limit)
    if not claimed:
        return 0
    texts = {row.target_id: _text_of(row) for row in claimed}
    embeddable = [row for row in claimed if texts[row.target_id]]
    vectors = embed_for_subjects(
        provider, [(texts[row.target_id], row.target_id if row.kind == "candidate" else None) for row in embeddable]
    )
    _write(claimed, texts, dict(zip((row.target_id for row in embeddable), vectors)), provider.model)
    return len(claimed)


def embed_until_done(provider: EmbeddingProvider, within_seconds: float = 60.0) -> int:
    """Embed batch after batch until nothing is pending or the time is up (then ask for another
    run, so one message never runs into the broker's time limit)."""
    deadline = time.monotonic() + within_seconds
    done = 0
    while time.monotonic() < deadline:
        claimed = embed_pending(provider)
        if not claimed:
            return done
        done += claimed
    nudge()
    return done


def nudge() -> None:
    """Ask a worker to embed what is pending: one message at a time (the actor clears the key
    before it looks, so a row committed after that look sends a new one)."""
    try:
        from jobraker.components import redis_client

        if redis_client().set(NUDGE_KEY, 1, nx=True, ex=NUDGE_TTL_SECONDS):
            from jobraker.workers import actors

            actors.embed_pending_vectors.send()
    except Exception as exc:  # Redis away: the scheduler's periodic nudge picks the rows up
        log.warning("embed_nudge_failed", error=type(exc).__name__)


def vector_ready(target_id: UUID, position: int) -> bool:
    """Whether the target's vector reflects every change up to ``position``: the vectors
    projection has recorded them, and none is still waiting to be embedded."""
    recorded = ProjectionPosition.objects.filter(name="vectors", position__gte=position).exists()
    return recorded and not EmbeddingPending.objects.filter(target_id=target_id, since__lte=position).exists()


def vectors_pending() -> dict[str, Any]:
    """How many targets wait for a vector and how long the oldest has waited (for health)."""
    pending = EmbeddingPending.objects.aggregate(oldest=Min("since"))
    count = EmbeddingPending.objects.count()
    oldest_seconds = 0.0
    if pending["oldest"] is not None:
        from jobraker.eventstore.app import get_jobraker

        app = get_jobraker()
        found = app.recorder.select_notifications(start=pending["oldest"], limit=1)
        if found:
            stored_at = app.mapper.to_domain_event(found[0]).timestamp
            oldest_seconds = max(0.0, (timezone.now() - stored_at).total_seconds())
    return {"count": count, "oldest_seconds": round(oldest_seconds, 1)}


def _claim(limit: int) -> list[Claimed]:
    with connection.cursor() as cursor:
        cursor.execute(CLAIM, [timezone.now() + LEASE, timezone.now(), limit])
        return [Claimed(*row) for row in cursor.fetchall()]


CLAIM = """
UPDATE jobraker_embedding_pending SET claimed_until = %s
WHERE target_id IN (
    SELECT target_id FROM jobraker_embedding_pending
    WHERE claimed_until IS NULL OR claimed_until < %s
    ORDER BY since LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING target_id, kind, position
"""


def _text_of(row: Claimed) -> str | None:
    """The target's text as the event store has it now (at least as new as the pending row);
    '' for a candidate with nothing to embed; None when there is nothing to write (erased)."""
    from jobraker.eventstore.app import get_jobraker

    try:
        if row.kind == "candidate":
            return text_at(row.target_id)
        return job_text_of(get_jobraker().get_job(row.target_id))
    except (NotFound, SubjectErased):
        return None


def _write(claimed: list[Claimed], texts: dict[UUID, str | None], vectors: dict[UUID, list[float]], model: str) -> None:
    ids = [row.target_id for row in claimed]
    with transaction.atomic():
        # Locked, so an erasure (which deletes the row) waits for this write or comes first.
        still = dict(
            EmbeddingPending.objects.select_for_update().filter(target_id__in=ids).values_list("target_id", "position")
        )
        jobs = [row for row in claimed if row.kind == "job" and row.target_id in still and row.target_id in vectors]
        candidates = [row for row in claimed if row.kind == "candidate" and row.target_id in still]
        _write_jobs(jobs, vectors, model)
        _write_candidates(candidates, texts, vectors, model)
        done = [row.target_id for row in claimed if still.get(row.target_id) == row.position]
        EmbeddingPending.objects.filter(target_id__in=done).delete()
        for row in claimed:  # changed again meanwhile: what was embedded covers up to row.position
            if row.target_id in still and row.target_id not in done:
                EmbeddingPending.objects.filter(target_id=row.target_id).update(since=row.position + 1, claimed_until=None)


def _write_jobs(rows: list[Claimed], vectors: dict[UUID, list[float]], model: str) -> None:
    if rows:
        JobVector.objects.bulk_create(
            [JobVector(job_id=row.target_id, fields={}, model=model, embedding=vectors[row.target_id]) for row in rows],
            update_conflicts=True, unique_fields=["job_id"], update_fields=["model", "embedding"],
        )


def _write_candidates(rows: list[Claimed], texts: dict[UUID, str | None], vectors: dict[UUID, list[float]],
                      model: str) -> None:
    for row in rows:
        if texts[row.target_id] is None:  # erased: whatever was written goes
            CandidateVector.objects.filter(candidate_id=row.target_id).delete()
            continue
        embedding = vectors.get(row.target_id)  # None: nothing to embed yet (no profile, no resume)
        CandidateVector.objects.update_or_create(
            candidate_id=row.target_id, defaults={"embedding": embedding, "model": model if embedding else ""}
        )
        # The precomputed matches were ranked with the vector before this one: rank them again.
        from jobraker.matching.precomputed import mark_candidate

        mark_candidate(row.target_id, row.position)

