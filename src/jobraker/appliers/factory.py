"""The applier this process uses: Skyvern with a key (under `jobraker up` without a key: its
Skyvern sandbox, labelled "sandbox"), else the dry-run applier."""

from __future__ import annotations

from typing import Any

from jobraker.appliers.halt import SkyvernHalt
from jobraker.appliers.skyvern import Applier, DryRunApplier, SkyvernApplier
from jobraker.config import get_settings


def applier() -> Applier:
    settings = get_settings()
    if settings.skyvern_api_key is None:
        return DryRunApplier()
    name = "sandbox" if settings.skyvern_sandbox else "skyvern"
    return SkyvernApplier(settings.skyvern_base_url, settings.skyvern_api_key.get_secret_value(), name=name)


def skyvern_applier() -> SkyvernApplier | None:
    """The Skyvern client (real or sandbox) when a key is set: for the calls beyond running tasks
    (deleting uploaded files). None without a key."""
    chosen = applier()
    return chosen if isinstance(chosen, SkyvernApplier) else None


def webhook_url() -> str:
    return get_settings().public_url.rstrip("/") + "/api/v1/webhooks/skyvern"


def halt(redis: Any) -> SkyvernHalt | None:
    """The stop flag for this process's Skyvern key (None without a key: nothing is sent anyway)."""
    key = get_settings().skyvern_api_key
    return SkyvernHalt(redis, key.get_secret_value()) if key is not None else None
