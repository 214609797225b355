"""A loopback server speaking the three board APIs on their real paths — Greenhouse
``/v1/boards/{token}/jobs``, Lever ``/v0/postings/{site}``, Ashby ``/posting-api/job-board/{board}``
— with the body each board holds (initially the sandbox's, in each API's wire format), 404 for
an unknown board (Lever's body), and 429/500/bad JSON/dropped connections on demand."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from jobraker.sources.boards import sandbox

from .loopback import LoopbackServer, QuietHandler

PATHS = {"greenhouse": ("/v1/boards/", "/jobs"), "lever": ("/v0/postings/", ""), "ashby": ("/posting-api/job-board/", "")}
QUERY = {"greenhouse": {"content": ["true"]}, "lever": {"mode": ["json"]}, "ashby": {"includeCompensation": ["true"]}}


class FakeBoards(LoopbackServer):
    def __init__(self) -> None:
        self.boards: dict[tuple[str, str], Any] = {
            (source, token): sandbox.render(source, token) for source, token, _ in sandbox.BOARDS
        }
        self.fail_next: list[int | str] = []  # statuses (or "drop", "garbage") before serving normally
        self.requests: list[tuple[str, str]] = []
        super().__init__(self._handler())

    def base_urls(self) -> dict[str, str]:
        return {source: self.origin for source in PATHS}

    def _handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                for source, (prefix, suffix) in PATHS.items():
                    if url.path.startswith(prefix) and url.path.endswith(suffix):
                        token = url.path[len(prefix): len(url.path) - len(suffix)]
                        fake.requests.append((source, token))
                        return self._board(source, token, parse_qs(url.query))
                self._send(404, "not found", "text/plain")

            def _board(self, source: str, token: str, query: dict[str, list[str]]) -> None:
                if fake.fail_next:
                    failure = fake.fail_next.pop(0)
                    if failure == "drop":
                        self.connection.close()
                        return
                    if failure == "garbage":
                        return self._send(200, "<html>maintenance</html>", "text/html")
                    return self._send(int(failure), {"error": "failure on demand"}, headers={"Retry-After": "7"})
                body = fake.boards.get((source, token))
                if body is None:
                    return self._send(404, {"ok": False, "error": "Document not found"})
                if any(query.get(k) != v for k, v in QUERY[source].items()):
                    body = _without_content(source, body)  # what each API sends without its flag
                raw = json.dumps(body)
                self._send(200, raw)

        return Handler


def _without_content(source: str, body: Any) -> Any:
    if source == "greenhouse":
        return {**body, "jobs": [{k: v for k, v in job.items() if k not in ("content", "departments", "offices")} for job in body["jobs"]]}
    return body
