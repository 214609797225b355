"""Which provider this process uses: ``JOBRAKER_EMBEDDING_PROVIDER`` = local (default) or openai."""

from __future__ import annotations

from functools import lru_cache

from jobraker.config import ConfigError, get_settings
from jobraker.embeddings.providers import EmbeddingProvider, LocalE5Provider, OpenAIProvider


@lru_cache(maxsize=1)
def get_provider() -> EmbeddingProvider:
    settings = get_settings()
    if settings.embedding_provider == "local":
        return LocalE5Provider()
    if settings.openai_api_key is None:
        raise ConfigError("JOBRAKER_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
    return OpenAIProvider(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value(),
        model=settings.embedding_model or "text-embedding-3-small",
    )
