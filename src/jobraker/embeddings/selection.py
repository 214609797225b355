"""Which provider this process uses: ``JOBRAKER_EMBEDDING_PROVIDER`` = local (default) or openai."""

from __future__ import annotations

from jobraker.components import components
from jobraker.config import ConfigError, Settings
from jobraker.embeddings.providers import EmbeddingProvider, LocalE5Provider, OpenAIProvider


def get_provider() -> EmbeddingProvider:
    """The process's provider, built once by the composition root."""
    return components().embedding_provider


def provider_for(settings: Settings) -> EmbeddingProvider:
    if settings.embedding_provider == "local":
        return LocalE5Provider()
    if settings.openai_api_key is None:
        raise ConfigError("JOBRAKER_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
    return OpenAIProvider(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value(),
        model=settings.embedding_model or "text-embedding-3-small",
    )
