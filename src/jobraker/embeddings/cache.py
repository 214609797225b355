"""Each distinct text is embedded once per model: vectors are kept by a hash of (model, kind, text)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from jobraker.embeddings.models import EmbeddingCache
from jobraker.embeddings.providers import EmbeddingProvider


def content_hash(model: str, kind: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{kind}\n{text}".encode()).hexdigest()


def embed_passages(provider: EmbeddingProvider, texts: Sequence[str]) -> list[list[float]]:
    hashes = [content_hash(provider.model, "passage", t) for t in texts]
    known = dict(EmbeddingCache.objects.filter(content_hash__in=hashes).values_list("content_hash", "vector"))
    missing = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in known]
    if missing:
        vectors = provider.embed_passages([t for _, t in missing])
        EmbeddingCache.objects.bulk_create(
            [EmbeddingCache(content_hash=h, model=provider.model, vector=v) for (h, _), v in zip(missing, vectors)],
            ignore_conflicts=True,
        )
        known.update({h: v for (h, _), v in zip(missing, vectors)})
    # pgvector keeps float32: hand out that precision whether the vector was cached or fresh.
    return [np.asarray(known[h], dtype=np.float32).tolist() for h in hashes]
