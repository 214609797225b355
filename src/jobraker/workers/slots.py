"""Leased slots in Redis: at most ``limit`` holders at once across every worker, and a
holder that dies without releasing (a SIGKILLed worker) frees its slot when its lease ends.

Dramatiq's ``ConcurrentRateLimiter`` keeps a bare counter whose expiry is pushed back by
every acquire and release: a worker killed while holding a slot leaks it for as long as
other workers stay busy, and a few kills block every submission. Here each holder is a
member of a sorted set scored by its lease's end, so expired holders are simply dropped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis

# KEYS[1] the set; ARGV: limit, lease (ms), holder. Redis's own clock, so workers' clocks don't matter.
ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now_ms + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(first[2]) - now_ms
"""


@dataclass
class Held:
    holder: str | None
    wait_ms: int  # when not held: how long until the first lease ends (a slot surely frees)

    def __bool__(self) -> bool:
        return self.holder is not None


class LeasedSlots:
    def __init__(self, client: redis.Redis, key: str, limit: int, lease_seconds: float) -> None:
        self.client, self.key, self.limit = client, key, limit
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self._acquire = client.register_script(ACQUIRE)

    def acquire(self) -> Held:
        holder = uuid.uuid4().hex
        wait = int(self._acquire(keys=[self.key], args=[self.limit, self.lease_ms, holder]))
        return Held(holder, 0) if wait < 0 else Held(None, max(0, wait))

    def renew(self, held: Held) -> None:
        """Push a live holder's lease back (a holder whose lease already ended is not re-added)."""
        if held.holder is not None:
            now_s, now_us = self.client.time()
            self.client.zadd(self.key, {held.holder: now_s * 1000 + now_us // 1000 + self.lease_ms}, xx=True)
            self.client.pexpire(self.key, self.lease_ms)

    def release(self, held: Held) -> None:
        if held.holder is not None:
            self.client.zrem(self.key, held.holder)

    def holders(self) -> int:
        return int(self.client.zcard(self.key))
