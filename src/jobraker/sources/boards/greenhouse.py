"""Greenhouse's Job Board API: ``GET /v1/boards/{board}/jobs?content=true``.

As it arrives (developers.greenhouse.io/job-board.html and live boards): integer ids;
``content`` is HTML escaped as entities (``&lt;p&gt;``), sometimes twice; ``location`` is one
free-text name; ``metadata`` is null or a list; newer responses add ``company_name`` and
``first_published``; no pay in the list (it needs one call per post). ``absolute_url`` is the
employer's page with the application form. An unknown board answers 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jobraker.sources.boards.listing import country_code, listing, plain_text

SOURCE = "greenhouse"
BASE_URL = "https://boards-api.greenhouse.io"


def board_path(board: str) -> tuple[str, dict[str, str]]:
    return f"/v1/boards/{board}/jobs", {"content": "true"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Location(_Lenient):
    name: str = ""


class Office(_Lenient):
    name: str = ""
    location: str | None = None


class Posting(_Lenient):
    id: int
    title: str
    updated_at: datetime | None = None
    first_published: datetime | None = None
    location: Location = Field(default_factory=Location)
    absolute_url: str
    content: str = ""
    company_name: str | None = None
    offices: list[Office] = Field(default_factory=list)

    def as_listing(self, board: str, company: str) -> dict[str, Any]:
        place = self.location.name or next((o.location or o.name for o in self.offices if o.location or o.name), "")
        return listing(
            source=SOURCE, board=board, posting_id=str(self.id), title=self.title,
            company=self.company_name or company, location=place,
            country=country_code(place.rsplit(",", 1)[-1]) if "," in place else "",
            description=plain_text(self.content), url=self.absolute_url,
            remote="remote" in f"{self.title} {place}".lower(), posted_at=self.first_published or self.updated_at,
        )


class Board(_Lenient):
    jobs: list[Posting] = Field(default_factory=list)


def listings(payload: Any, board: str, company: str) -> list[dict[str, Any]]:
    return [posting.as_listing(board, company) for posting in Board.model_validate(payload).jobs]
