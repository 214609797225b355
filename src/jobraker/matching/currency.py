"""Reference exchange rates, so a salary floor in one currency can be compared with pay stated
in another. The table is dated data, not a live feed: matching needs the rough size of a salary,
not today's price, and a table that changes only when someone imports a new one keeps every
filter verdict explainable ("at the ECB reference rates of 30 October 2026").

The package ships one table (``data/reference_rates.json``); ``jobraker rates refresh --file F``
stores a newer one (the ECB's ``eurofxref.csv`` or a JSON table in the shipped shape) in the
database, and the newest table wins."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

from jobraker.domain.iso_codes import known_currency

SHIPPED = "reference_rates.json"
BASE = "EUR"


class RatesError(ValueError):
    """A rates file that cannot be read as a table of reference rates."""


@dataclass(frozen=True)
class ReferenceRates:
    """Units of each currency that one unit of ``base`` buys, on ``published_on``."""

    published_on: date
    source: str
    rates: dict[str, float] = field(hash=False)
    base: str = BASE

    def __post_init__(self) -> None:
        rates = {code.upper(): float(rate) for code, rate in self.rates.items()}
        rates[self.base] = 1.0
        for code, rate in rates.items():
            if not known_currency(code):
                raise RatesError(f"{code} is not an ISO 4217 currency code")
            if not rate > 0:
                raise RatesError(f"the rate for {code} must be positive")
        object.__setattr__(self, "rates", rates)

    def knows(self, code: str) -> bool:
        return code.upper() in self.rates

    def convert(self, amount: float, from_code: str, to_code: str) -> float | None:
        """``amount`` of ``from_code`` in ``to_code``; None when either is not in the table."""
        source, target = self.rates.get(from_code.upper()), self.rates.get(to_code.upper())
        if source is None or target is None:
            return None
        return amount / source * target

    def as_dict(self) -> dict[str, Any]:
        return {"published_on": self.published_on.isoformat(), "source": self.source, "base": self.base,
                "rates": dict(sorted(self.rates.items()))}

    def describe(self) -> str:
        return f"{self.source} of {self.published_on.isoformat()}"


def shipped_rates() -> ReferenceRates:
    return parse_json(resources.files("jobraker.matching").joinpath("data", SHIPPED).read_text("utf-8"))


def parse_json(text: str) -> ReferenceRates:
    try:
        data = json.loads(text)
        return ReferenceRates(date.fromisoformat(data["published_on"]), str(data["source"]), dict(data["rates"]),
                              str(data.get("base", BASE)).upper())
    except (ValueError, KeyError, TypeError) as exc:
        raise RatesError(f"not a rates table: {exc}") from exc


def parse_ecb_csv(text: str, source: str = "European Central Bank euro foreign exchange reference rates") -> ReferenceRates:
    """The ECB's ``eurofxref.csv`` (one day) or ``eurofxref-hist.csv`` (newest day first): a
    ``Date`` column, then one column per currency, in units per euro; "N/A" where none was set."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if len(rows) < 2 or rows[0][0] != "Date":
        raise RatesError("not an ECB reference-rates CSV (the first column must be Date)")
    header, newest = rows[0], rows[1]
    try:
        published = _ecb_date(newest[0])
    except ValueError as exc:
        raise RatesError(f"unreadable date {newest[0]!r}") from exc
    rates = {}
    for code, cell in zip(header[1:], newest[1:], strict=False):  # the ECB ends rows with a comma
        if code and cell and cell != "N/A":
            try:
                rates[code] = float(cell)
            except ValueError as exc:
                raise RatesError(f"unreadable rate {cell!r} for {code}") from exc
    if not rates:
        raise RatesError("no rates in the file")
    return ReferenceRates(published, source, rates)


def parse_file(name: str, text: str) -> ReferenceRates:
    return parse_json(text) if name.lower().endswith(".json") else parse_ecb_csv(text)


def _ecb_date(text: str) -> date:
    for pattern in ("%d %B %Y", "%Y-%m-%d"):  # the daily file, the historical one
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)
