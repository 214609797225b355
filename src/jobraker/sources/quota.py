"""Adzuna's free quota — 25 calls a minute, 250 a day, 1,000 a week, 2,500 a month — shared by
every worker through Redis. One atomic script checks all four windows and counts the call
in each only if none is full, so a refused call uses no quota."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

WINDOWS: dict[str, tuple[int, int]] = {  # name → (seconds, calls allowed)
    "minute": (60, 25),
    "day": (86_400, 250),
    "week": (7 * 86_400, 1_000),
    "month": (30 * 86_400, 2_500),
}

_ACQUIRE = """
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[i]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, tonumber(ARGV[#KEYS + i]))
end
return 0
"""


class QuotaExhausted(Exception):
    def __init__(self, window: str, retry_after: float) -> None:
        super().__init__(f"Adzuna {window} quota is used up; next call in {retry_after:.0f} s")
        self.window = window
        self.retry_after = retry_after


@dataclass
class AdzunaQuota:
    client: redis.Redis
    prefix: str = "jobraker:adzuna:quota"
    windows: dict[str, tuple[int, int]] | None = None

    def __post_init__(self) -> None:
        self.windows = self.windows or WINDOWS
        self._script = self.client.register_script(_ACQUIRE)

    def acquire(self, now: float | None = None) -> None:
        """Count one call against every window, or raise QuotaExhausted naming the full one."""
        now = time.time() if now is None else now
        keys = [self._key(name, now) for name in self.windows]  # type: ignore[union-attr]
        limits = [limit for _, limit in self.windows.values()]  # type: ignore[union-attr]
        ttls = [seconds for seconds, _ in self.windows.values()]  # type: ignore[union-attr]
        full = int(self._script(keys=keys, args=[*limits, *ttls]))
        if full:
            name = list(self.windows)[full - 1]  # type: ignore[arg-type]
            seconds = self.windows[name][0]  # type: ignore[index]
            raise QuotaExhausted(name, seconds - now % seconds)

    def usage(self, now: float | None = None) -> dict[str, dict[str, int]]:
        now = time.time() if now is None else now
        return {
            name: {"used": int(self.client.get(self._key(name, now)) or 0), "limit": limit}
            for name, (_, limit) in self.windows.items()  # type: ignore[union-attr]
        }

    def _key(self, name: str, now: float) -> str:
        seconds = self.windows[name][0]  # type: ignore[index]
        return f"{self.prefix}:{name}:{int(now // seconds)}"
