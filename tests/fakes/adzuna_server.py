"""A loopback server speaking Adzuna's search API, quirks included: string ids, "0"/0 flags,
<strong> around matched words, missing fields, 401 AUTH_FAIL, 429 and 500 on demand."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

from .loopback import LoopbackServer, QuietHandler


def listing(n: int, **extra) -> dict:
    job = {
        "__CLASS__": "Adzuna::API::Response::Job",
        "id": str(900_000_000 + n),
        "adref": "eyJhbGciOiJIUzI1NiJ9",
        "title": f"Junior <strong>Python</strong> Developer {n}",
        "description": f"Work on <strong>Python</strong> services &amp; APIs, listing {n} …",
        "created": f"2026-11-{28 - n % 20:02d}T09:00:00Z",
        "redirect_url": f"https://www.adzuna.co.uk/land/ad/{900_000_000 + n}?se=abc",
        "company": {"__CLASS__": "Adzuna::API::Response::Company", "display_name": f"Company {n}"},
        "location": {"__CLASS__": "Adzuna::API::Response::Location", "area": ["UK", "London"], "display_name": "London"},
        "category": {"__CLASS__": "Adzuna::API::Response::Category", "tag": "it-jobs", "label": "IT Jobs"},
        "salary_is_predicted": "0" if n % 2 else 0,
    }
    if n % 3:
        job.update(salary_min=40000 + n, salary_max=50000 + n)
    if n % 4 == 0:
        job.update(contract_type="permanent", contract_time="full_time")
    job.update(extra)
    return job


class FakeAdzuna(LoopbackServer):
    def __init__(self, listings: list[dict], app_key: str = "key") -> None:
        self.listings = listings
        self.app_key = app_key
        self.fail_next: list[int] = []  # statuses to answer with before serving normally
        self.requests: list[dict] = []
        self.delay = 0.0  # seconds before each answer, so that concurrent callers overlap
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return self.origin + "/v1/api"

    def _handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append({"path": url.path, "query": query})
                time.sleep(fake.delay)
                if "app_id" not in query or "app_key" not in query:
                    return self._send(400, "<html><body>Bad request</body></html>", "text/html")
                if query["app_key"] != fake.app_key:
                    return self._send(401, json.dumps({"doc": "https://api.adzuna.com/v1/doc", "display": "Authorisation failed",
                                                       "__CLASS__": "Adzuna::API::Response::Exception", "exception": "AUTH_FAIL"}))
                if fake.fail_next:
                    return self._send(fake.fail_next.pop(0), json.dumps({"exception": "TOO_MANY"}))
                page = int(url.path.rsplit("/", 1)[1])
                per_page = int(query.get("results_per_page", 10))
                ordered = sorted(fake.listings, key=lambda j: j["created"], reverse=True)
                chunk = ordered[(page - 1) * per_page : page * per_page]
                self._send(200, json.dumps({"__CLASS__": "Adzuna::API::Response::JobSearchResults",
                                            "count": len(ordered), "mean": 45000.5, "results": chunk}))

        return Handler
