"""Adzuna's search response as it really arrives: string ids, "0"/0 flags, <strong> around
matched words, and fields that are often missing."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobraker.domain.iso_codes import MARKET_CURRENCIES
from jobraker.matching.remote import REMOTE, read_work_mode

_TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", text)).split())


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AdzunaCompany(_Lenient):
    display_name: str = ""


class AdzunaLocation(_Lenient):
    display_name: str = ""
    area: list[str] = Field(default_factory=list)


class AdzunaJob(_Lenient):
    id: str
    title: str
    description: str = ""
    created: datetime | None = None
    redirect_url: str = ""
    company: AdzunaCompany = Field(default_factory=AdzunaCompany)
    location: AdzunaLocation = Field(default_factory=AdzunaLocation)
    salary_min: float | None = None
    salary_max: float | None = None
    salary_is_predicted: bool = False
    latitude: float | None = None
    longitude: float | None = None
    contract_type: str = ""
    contract_time: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> str:
        return str(value)

    @field_validator("title", "description", mode="after")
    @classmethod
    def _strip_markup(cls, value: str) -> str:
        return plain(value)

    @field_validator("salary_is_predicted", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        return str(value).strip() in {"1", "true", "True"}

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _coordinate(cls, value: Any) -> float | None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if -180 <= number <= 180 else None

    @field_validator("contract_type", "contract_time", mode="before")
    @classmethod
    def _none_as_empty(cls, value: Any) -> str:
        return value or ""

    def as_listing(self, country: str) -> dict[str, Any]:
        """The fields of a ``Job.post`` command."""
        return {
            "source": "adzuna",
            "external_id": self.id,
            "title": self.title or "(untitled)",
            "company": self.company.display_name or "(company not given)",
            "location": self.location.display_name,
            "country": country,
            "description": self.description,
            "url": self.redirect_url,
            "salary_min": self.salary_min,
            "salary_max": self.salary_max,
            "salary_currency": CURRENCIES.get(country, ""),
            "salary_is_predicted": self.salary_is_predicted,
            "contract_type": self.contract_type if self.contract_type in ("permanent", "contract") else "",
            "contract_time": self.contract_time if self.contract_time in ("full_time", "part_time") else "",
            "remote": read_work_mode(self.title, self.location.display_name, self.description).mode == REMOTE,
            "posted_at": self.created,
            "location_area": [name.strip()[:100] for name in self.location.area if name.strip()][:10],
            "latitude": self.latitude if self.latitude is not None and -90 <= self.latitude <= 90 else None,
            "longitude": self.longitude,
        }


class AdzunaSearchResults(_Lenient):
    count: int = 0
    mean: float | None = None
    results: list[AdzunaJob] = Field(default_factory=list)


CURRENCIES = MARKET_CURRENCIES  # (the name other modules import)
