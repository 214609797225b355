"""Lever's Postings API: ``GET /v0/postings/{site}?mode=json`` (github.com/lever/postings-api).

As it arrives: a bare JSON array; string ids (UUIDs); ``text`` is the title; ``categories``
holds ``location``, ``commitment``, ``team``, ``department`` and ``allLocations``; ``country``
is ISO 3166 alpha-2 or null; ``createdAt`` is milliseconds since the epoch; ``workplaceType``
is ``on-site``, ``remote``, ``hybrid`` or ``unspecified``; ``salaryRange`` (optional) has
``currency``, ``interval``, ``min`` and ``max``. ``applyUrl`` is the employer's form. An unknown
site answers 404 ``{"ok": false, "error": "Document not found"}``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from jobraker.sources.boards.listing import country_code, listing

SOURCE = "lever"
BASE_URL = "https://api.lever.co"
YEARLY = "per-year-salary"


def board_path(board: str) -> tuple[str, dict[str, str]]:
    return f"/v0/postings/{board}", {"mode": "json"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Categories(_Lenient):
    location: str | None = None
    commitment: str | None = None
    allLocations: list[str] = Field(default_factory=list)  # noqa: N815 (Lever's name)


class SalaryRange(_Lenient):
    currency: str | None = None
    interval: str | None = None
    min: float | None = None
    max: float | None = None


class Posting(_Lenient):
    id: str
    text: str
    categories: Categories = Field(default_factory=Categories)
    country: str | None = None
    createdAt: int | None = None  # noqa: N815
    descriptionPlain: str = ""  # noqa: N815
    additionalPlain: str = ""  # noqa: N815
    hostedUrl: str = ""  # noqa: N815
    applyUrl: str = ""  # noqa: N815
    workplaceType: str = "unspecified"  # noqa: N815
    salaryRange: SalaryRange | None = None  # noqa: N815

    def as_listing(self, board: str, company: str) -> dict[str, Any]:
        place = self.categories.location or ", ".join(self.categories.allLocations)
        pay = self.salaryRange if self.salaryRange and self.salaryRange.interval == YEARLY else None
        commitment = (self.categories.commitment or "").lower().replace("-", " ")
        return listing(
            source=SOURCE, board=board, posting_id=self.id, title=self.text, company=company, location=place,
            country=country_code(self.country), description="\n".join(t for t in (self.descriptionPlain, self.additionalPlain) if t),
            url=self.applyUrl or self.hostedUrl, remote=self.workplaceType == "remote",
            posted_at=datetime.fromtimestamp(self.createdAt / 1000, UTC) if self.createdAt else None,
            salary_min=pay.min if pay else None, salary_max=pay.max if pay else None,
            salary_currency=(pay.currency or "").upper() if pay else "",
            contract_time={"full time": "full_time", "part time": "part_time"}.get(commitment, ""),
            contract_type="contract" if "contract" in commitment else "",
        )


_POSTINGS = TypeAdapter(list[Posting])


def listings(payload: Any, board: str, company: str) -> list[dict[str, Any]]:
    return [posting.as_listing(board, company) for posting in _POSTINGS.validate_python(payload)]
