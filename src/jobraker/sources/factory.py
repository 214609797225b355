"""The Adzuna client this process uses: the real API with credentials, else the sandbox feed."""

from __future__ import annotations

from jobraker.config import get_settings
from jobraker.sources.adzuna_client import AdzunaClient
from jobraker.sources.adzuna_sandbox import SANDBOX_BASE_URL, sandbox_transport
from jobraker.sources.quota import AdzunaQuota
from jobraker.workers.broker import redis_client


def adzuna_quota() -> AdzunaQuota:
    return AdzunaQuota(redis_client())


def adzuna_client() -> AdzunaClient:
    settings = get_settings()
    if settings.adzuna_app_id and settings.adzuna_app_key:
        return AdzunaClient(settings.adzuna_app_id, settings.adzuna_app_key.get_secret_value(), adzuna_quota(),
                            base_url=settings.adzuna_base_url)
    return AdzunaClient("sandbox", "sandbox", adzuna_quota(), base_url=SANDBOX_BASE_URL, transport=sandbox_transport())
