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
    kind = "passage" if subject_id is None else f"passage:{subject_id}"
    hashes = [content_hash(provider.model, kind, t) for t in texts]
    known = dict(EmbeddingCache.objects.filter(content_hash__in=hashes).values_list("content_hash", "vector"))
    missing = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in known]
    if missing:
        vectors = provider.embed_passages([t for _, t in missing])
        EmbeddingCache.objects.bulk_create(
            [EmbeddingCache(content_hash=h, model=provider.model, vector=v, subject_id=subject_id)
             for (h, _), v in zip(missing, vectors)],
            ignore_conflicts=True,
        )
        known.update({h: v for (h, _), v in zip(missing, vectors)})
    # pgvector keeps float32: hand out that precision whether the vector was cached or fresh.
    return [np.asarray(known[h], dtype=np.float32).tolist() for h in hashes]
