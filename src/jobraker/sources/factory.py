"""The Adzuna client this process uses: the real API with credentials, else the sandbox feed."""

from __future__ import annotations

import redis

from jobraker.components import components, redis_client
from jobraker.config import Settings
from jobraker.sources.adzuna_client import AdzunaClient
from jobraker.sources.adzuna_sandbox import SANDBOX_BASE_URL, sandbox_transport
from jobraker.sources.quota import AdzunaQuota


def adzuna_quota() -> AdzunaQuota:
    return AdzunaQuota(redis_client())


def adzuna_client() -> AdzunaClient:
    """This process's Adzuna client (the composition root builds it from the settings of the moment)."""
    return components().adzuna()


def adzuna_for(settings: Settings, client: redis.Redis) -> AdzunaClient:
    """``client``: the Redis that counts the quota's four windows, shared by every process."""
    quota = AdzunaQuota(client)
    if settings.adzuna_app_id and settings.adzuna_app_key:
        return AdzunaClient(settings.adzuna_app_id, settings.adzuna_app_key.get_secret_value(), quota,
                            base_url=settings.adzuna_base_url)
    return AdzunaClient("sandbox", "sandbox", quota, base_url=SANDBOX_BASE_URL, transport=sandbox_transport())
