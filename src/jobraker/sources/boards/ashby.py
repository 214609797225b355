"""Ashby's public Job Postings API: ``GET /posting-api/job-board/{board}?includeCompensation=true``
(developers.ashbyhq.com/docs/public-job-posting-api).

As it arrives: ``{"apiVersion": "1", "jobs": [...]}``; ``isListed: false`` postings are in the
feed but not on the public board (left out here); ``location`` is free text and ``address``
a schema.org postalAddress whose ``addressCountry`` is a name ("USA", "United Kingdom");
``isRemote`` and ``workplaceType`` (``OnSite``/``Remote``/``Hybrid``, newer boards);
``employmentType`` is ``FullTime``, ``PartTime``, ``Intern``, ``Contract`` or ``Temporary``;
``compensation`` (with the flag) lists tiers whose ``Salary`` component has ``interval``
``"1 YEAR"``, ``currencyCode``, ``minValue``, ``maxValue``. ``applyUrl`` is the employer's form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jobraker.sources.boards.listing import country_code, listing, plain_text

SOURCE = "ashby"
BASE_URL = "https://api.ashbyhq.com"
YEARLY = "1 YEAR"


def board_path(board: str) -> tuple[str, dict[str, str]]:
    return f"/posting-api/job-board/{board}", {"includeCompensation": "true"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PostalAddress(_Lenient):
    addressLocality: str | None = None  # noqa: N815 (Ashby's names)
    addressRegion: str | None = None  # noqa: N815
    addressCountry: str | None = None  # noqa: N815


class Address(_Lenient):
    postalAddress: PostalAddress = Field(default_factory=PostalAddress)  # noqa: N815


class Component(_Lenient):
    compensationType: str = ""  # noqa: N815
    interval: str = ""
    currencyCode: str | None = None  # noqa: N815
    minValue: float | None = None  # noqa: N815
    maxValue: float | None = None  # noqa: N815


class Tier(_Lenient):
    components: list[Component] = Field(default_factory=list)


class Compensation(_Lenient):
    compensationTiers: list[Tier] = Field(default_factory=list)  # noqa: N815

    def yearly_salary(self) -> Component | None:
        salaries = [c for t in self.compensationTiers for c in t.components
                    if c.compensationType == "Salary" and c.interval == YEARLY and c.currencyCode]
        return salaries[0] if salaries else None


class Posting(_Lenient):
    id: str | None = None
    title: str
    location: str = ""
    isListed: bool = True  # noqa: N815
    isRemote: bool = False  # noqa: N815
    workplaceType: str | None = None  # noqa: N815
    descriptionPlain: str = ""  # noqa: N815
    descriptionHtml: str = ""  # noqa: N815
    publishedAt: datetime | None = None  # noqa: N815
    employmentType: str = ""  # noqa: N815
    address: Address | None = None
    jobUrl: str = ""  # noqa: N815
    applyUrl: str = ""  # noqa: N815
    compensation: Compensation | None = None

    @property
    def posting_id(self) -> str:
        # The documented example has no id; live boards send one. The job URL ends with it.
        return self.id or self.jobUrl.rstrip("/").rsplit("/", 1)[-1]

    def as_listing(self, board: str, company: str) -> dict[str, Any]:
        salary = self.compensation.yearly_salary() if self.compensation else None
        country = self.address.postalAddress.addressCountry if self.address else None
        return listing(
            source=SOURCE, board=board, posting_id=self.posting_id, title=self.title, company=company,
            location=self.location, country=country_code(country),
            description=self.descriptionPlain or plain_text(self.descriptionHtml), url=self.applyUrl or self.jobUrl,
            remote=self.isRemote or self.workplaceType == "Remote", posted_at=self.publishedAt,
            salary_min=salary.minValue if salary else None, salary_max=salary.maxValue if salary else None,
            salary_currency=(salary.currencyCode or "").upper() if salary else "",
            contract_time={"FullTime": "full_time", "PartTime": "part_time"}.get(self.employmentType, ""),
            contract_type="contract" if self.employmentType in ("Contract", "Temporary") else "",
        )


class Board(_Lenient):
    jobs: list[Posting] = Field(default_factory=list)


def listings(payload: Any, board: str, company: str) -> list[dict[str, Any]]:
    return [p.as_listing(board, company) for p in Board.model_validate(payload).jobs if p.isListed]
