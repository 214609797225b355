"""Reading an HTTP ``Retry-After`` header, for every outside API the workers back off from
(Skyvern, the employers' job boards)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

MAX_RETRY_AFTER_SECONDS = 3600.0


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), capped at an hour; None when absent or unreadable."""
    value = (response.headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
