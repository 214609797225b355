"""The reference rates in force: the newest of the shipped table and those imported into the
database by ``jobraker rates refresh``. Read once a minute per process at most, since every
match request converts a salary floor with them."""

from __future__ import annotations

import time

from jobraker.matching.currency import ReferenceRates, shipped_rates
from jobraker.projections.models import ReferenceRateTable

RELOAD_SECONDS = 60

_cached: tuple[float, ReferenceRates] | None = None


def current_rates() -> ReferenceRates:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > RELOAD_SECONDS:
        _cached = (now, _newest())
    return _cached[1]


def forget() -> None:
    """Read the table again on the next use (after an import, and in tests)."""
    global _cached
    _cached = None


def store(rates: ReferenceRates) -> bool:
    """Keep an imported table; False if one of the same date is kept already (it is replaced)."""
    _, created = ReferenceRateTable.objects.update_or_create(
        published_on=rates.published_on, defaults={"source": rates.source[:300], "base": rates.base, "rates": rates.rates},
    )
    forget()
    return created


def _newest() -> ReferenceRates:
    shipped = shipped_rates()
    row = ReferenceRateTable.objects.order_by("-published_on").first()
    if row is None or row.published_on < shipped.published_on:
        return shipped
    return ReferenceRates(row.published_on, row.source, dict(row.rates), row.base)
