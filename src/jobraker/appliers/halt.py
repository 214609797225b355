"""Skyvern refused the API key (403): stop sending until the key changes, and tell staff.

The flag lives in Redis so every worker sees it at once. It names the key it was raised for
(a fingerprint, never the key): a new SKYVERN_API_KEY lifts it without anyone clearing it,
and staff can lift it by hand from the Operations page once the key works again. Queued
applications stay queued meanwhile; nothing is marked failed."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import structlog

log = structlog.get_logger(__name__)

HALT_KEY = "jobraker:skyvern:halted"
RECHECK_SECONDS = 600  # how long a held submission waits before it looks at the flag again


def key_fingerprint(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


class SkyvernHalt:
    def __init__(self, redis: Any, api_key: str) -> None:
        self.redis = redis
        self.fingerprint = key_fingerprint(api_key)

    def current(self) -> dict[str, Any] | None:
        """The halt in force for this key, or None."""
        raw = self.redis.get(HALT_KEY)
        report = json.loads(raw) if raw else None
        return report if report and report.get("key") == self.fingerprint else None

    def halt(self, reason: str) -> None:
        first = self.current() is None
        self.redis.set(HALT_KEY, json.dumps({"key": self.fingerprint, "since": time.time(), "reason": reason[:300]}))
        if first:  # once, not for every queued application that finds the flag
            log.critical("skyvern_key_refused", reason=reason[:300],
                         action="sending to Skyvern stopped; queued applications stay queued until the key is fixed")


def halt_report(redis: Any) -> dict[str, Any] | None:
    """For the Operations page: the halt in force (any key), or None."""
    raw = redis.get(HALT_KEY)
    return json.loads(raw) if raw else None


def lift(redis: Any) -> None:
    redis.delete(HALT_KEY)
