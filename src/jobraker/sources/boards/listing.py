"""What every board format turns a posting into: the fields of a ``Job.post`` command."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pycountry

_TAGS = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"</?(p|div|li|ul|ol|br|h[1-6])\b[^>]*>", re.IGNORECASE)


def plain_text(markup: str) -> str:
    """Text of an HTML fragment, paragraphs kept apart (unescaped once more if the source
    escapes its HTML, as Greenhouse's ``content`` does)."""
    text = html.unescape(markup or "")
    if "&lt;" in text or "&gt;" in text:
        text = html.unescape(text)
    text = _TAGS.sub("", _BLOCKS.sub("\n", text))
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def country_code(name: str | None) -> str:
    """ISO 3166 alpha-2 (lower case) of a country written as a code or a name; "" when unknown."""
    if not name:
        return ""
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2).lower()
    except LookupError:
        return ""


def listing(
    *, source: str, board: str, posting_id: str, title: str, company: str, location: str, country: str,
    description: str, url: str, remote: bool, posted_at: datetime | None, salary_min: float | None = None,
    salary_max: float | None = None, salary_currency: str = "", contract_type: str = "", contract_time: str = "",
) -> dict[str, Any]:
    return {
        "source": source, "external_id": f"{board}:{posting_id}"[:128], "title": title.strip() or "(untitled)",
        "company": company.strip() or board, "location": location.strip()[:300], "country": country,
        "description": description[:50_000], "url": url, "salary_min": salary_min, "salary_max": salary_max,
        "salary_currency": salary_currency if salary_min is not None or salary_max is not None else "",
        "salary_is_predicted": False, "contract_type": contract_type, "contract_time": contract_time,
        "remote": remote, "posted_at": posted_at,
    }
