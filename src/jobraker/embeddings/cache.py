"""Each distinct text is embedded once per model: vectors are kept by a hash of (model, kind, text).

A text about a person (a candidate's profile and resume) is cached under that person's id
(``subject_id``, which is also in its hash, so no two people share a row): erasure deletes
every row of theirs, the vectors of texts they replaced long ago included."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

import numpy as np

from jobraker.embeddings.models import EmbeddingCache
from jobraker.embeddings.providers import EmbeddingProvider


def content_hash(model: str, kind: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{kind}\n{text}".encode()).hexdigest()


def embed_passages(provider: EmbeddingProvider, texts: Sequence[str], subject_id: UUID | None = None) -> list[list[float]]:
    return embed_for_subjects(provider, [(text, subject_id) for text in texts])


def embed_for_subjects(provider: EmbeddingProvider, items: Sequence[tuple[str, UUID | None]]) -> list[list[float]]:
    """Vectors of (text, subject) pairs: cached ones read in one query, the rest embedded in one
    provider call (the worker embeds jobs and candidates of one batch together)."""
    hashes = [content_hash(provider.model, _kind(subject), text) for text, subject in items]
    known = dict(EmbeddingCache.objects.filter(content_hash__in=hashes).values_list("content_hash", "vector"))
    missing = {h: item for h, item in zip(hashes, items) if h not in known}
    if missing:
        vectors = provider.embed_passages([text for text, _ in missing.values()])
        EmbeddingCache.objects.bulk_create(
            [EmbeddingCache(content_hash=h, model=provider.model, vector=v, subject_id=subject)
             for (h, (_, subject)), v in zip(missing.items(), vectors)],
            ignore_conflicts=True,
        )
        known.update(zip(missing, vectors))
    # pgvector keeps float32: hand out that precision whether the vector was cached or fresh.
    return [np.asarray(known[h], dtype=np.float32).tolist() for h in hashes]


def _kind(subject_id: UUID | None) -> str:
    return "passage" if subject_id is None else f"passage:{subject_id}"
