"""Embedding providers: the packaged local model, an OpenAI-compatible server over a real
socket (batching, retries on 429, usage), and the content-hash cache."""

from __future__ import annotations

import math

from jobraker.embeddings.cache import content_hash, embed_passages
from jobraker.embeddings.models import EmbeddingCache
from jobraker.embeddings.providers import DIMENSIONS, LocalE5Provider, OpenAIProvider

from ..fakes.openai_server import FakeOpenAI


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_local_model_ships_in_the_package_and_means_something():
    provider = LocalE5Provider()
    query = provider.embed_query("python web developer")
    django, nurse = provider.embed_passages(["Django backend engineer writing Python APIs", "Night-shift nurse on a hospital ward"])
    assert len(query) == DIMENSIONS
    assert cosine(query, django) > cosine(query, nurse)


def test_openai_compatible_provider_batches_retries_and_counts_usage():
    with FakeOpenAI(fail_first=2) as server:
        provider = OpenAIProvider(base_url=server.base_url, api_key="sk-test", batch_size=2, max_retries=3)
        vectors = provider.embed_passages(["one", "two", "three"])
    assert [len(v) for v in vectors] == [DIMENSIONS] * 3
    assert vectors[2] == FakeOpenAI.vector("three", DIMENSIONS) or abs(cosine(vectors[2], FakeOpenAI.vector("three", DIMENSIONS)) - 1) < 1e-6
    calls = [r for r in server.requests if r["path"] == "/v1/embeddings"]
    assert len(calls) == 4  # two 429s retried, then two batches (2 + 1 inputs)
    assert [len(c["body"]["input"]) for c in calls[2:]] == [2, 1]
    assert all(c["auth"] == "Bearer sk-test" and c["body"]["dimensions"] == DIMENSIONS for c in calls)
    assert provider.usage_tokens == 3


def test_each_distinct_text_is_embedded_once():
    class Counting(LocalE5Provider):
        model = "counting-test-model"
        calls: list[list[str]] = []

        def embed_passages(self, texts):
            self.calls.append(list(texts))
            return super().embed_passages(texts)

    provider = Counting()
    first = embed_passages(provider, ["alpha text", "beta text", "alpha text"])
    second = embed_passages(provider, ["beta text", "gamma text"])
    assert provider.calls == [["alpha text", "beta text"], ["gamma text"]]
    assert first[0] == first[2] and first[1] == second[0]
    stored = EmbeddingCache.objects.get(content_hash=content_hash("counting-test-model", "passage", "gamma text"))
    assert stored.model == "counting-test-model"
