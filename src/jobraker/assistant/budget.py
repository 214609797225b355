"""The daily chat token budget per candidate (``JOBRAKER_CHAT_TOKEN_BUDGET``, UTC days).

Read from the token-usage projection: a turn that finished a moment ago may not be counted
yet, so a candidate can overshoot by at most the turns running at that moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from django.db.models import Sum

from jobraker.assistant.models import TokenUsage


@dataclass(frozen=True)
class Budget:
    limit: int
    used: int
    resets_at: datetime

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit

    @property
    def seconds_to_reset(self) -> int:
        return max(1, int((self.resets_at - datetime.now(UTC)).total_seconds()))


def todays_budget(candidate_id: UUID, limit: int, now: datetime | None = None) -> Budget:
    now = now or datetime.now(UTC)
    used = TokenUsage.objects.filter(candidate_id=candidate_id, day=now.date()).aggregate(total=Sum("tokens"))["total"] or 0
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    return Budget(limit=limit, used=int(used), resets_at=tomorrow)
