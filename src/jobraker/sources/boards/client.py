"""Fetching one company's board from Greenhouse, Lever or Ashby, whose public APIs return the
whole board in one call. Each API has its own window rate limit in Redis, shared by every
worker (Dramatiq's ``WindowRateLimiter``); answers are sorted by what they mean: a board that
does not exist, one to try again later, or a wire format that changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from jobraker.domain.candidate import check_board_token
from jobraker.retry_after import retry_after_seconds
from jobraker.sources.boards import ashby, greenhouse, lever
from jobraker.tls import tls_context

FORMATS: dict[str, ModuleType] = {"greenhouse": greenhouse, "lever": lever, "ashby": ashby}
SANDBOX_PREFIX = "sandbox-"
TIMEOUT_SECONDS = 20.0

Limiter = Callable[[str], AbstractContextManager[bool]]


class BoardNotFound(Exception):
    """The API has no such board (404): the company moved or closed it, or the token is wrong."""


class BoardTransientError(Exception):
    """Worth trying again later: 429, 5xx, a timeout, a dropped connection, our own rate limit."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class BoardFormatError(Exception):
    """The answer is not the wire format we know: not retried (it would fail the same way)."""


def check_board(source: str, token: str) -> None:
    if source not in FORMATS:
        raise ValueError(f"source must be one of {', '.join(FORMATS)}")
    check_board_token(token)  # InvalidValue, a ValueError


@dataclass
class BoardClient:
    base_urls: dict[str, str]
    limiter: Limiter | None = None
    sandbox: httpx.BaseTransport | None = None  # answers the boards named sandbox-… (under `jobraker up`)

    def fetch(self, source: str, token: str, company: str) -> list[dict[str, Any]]:
        """Every open posting on the board, as ``Job.post`` fields."""
        check_board(source, token)
        module = FORMATS[source]
        path, params = module.board_path(quote(token, safe=""))
        response = self._get(source, token, path, params)
        try:
            return module.listings(response.json(), token, company)
        except (ValueError, ValidationError) as exc:
            raise BoardFormatError(f"{source} board {token}: unexpected answer ({type(exc).__name__})") from None

    def _get(self, source: str, token: str, path: str, params: dict[str, str]) -> httpx.Response:
        transport = self.sandbox if token.startswith(SANDBOX_PREFIX) and self.sandbox is not None else None
        with self._permit(source), httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS, verify=tls_context()) as client:
            try:
                response = client.get(self.base_urls[source].rstrip("/") + path, params=params,
                                      headers={"Accept": "application/json"})
            except httpx.TransportError as exc:
                raise BoardTransientError(f"{source}: {type(exc).__name__}") from None
        if response.status_code == 404:
            raise BoardNotFound(f"{source} has no board {token}")
        if response.status_code == 429 or response.status_code >= 500:
            raise BoardTransientError(f"{source} answered {response.status_code}", retry_after_seconds(response))
        if response.status_code != 200:
            raise BoardFormatError(f"{source} answered {response.status_code}")
        return response

    @contextmanager
    def _permit(self, source: str) -> Iterator[None]:
        if self.limiter is None:
            yield
            return
        with self.limiter(source) as acquired:
            if not acquired:
                raise BoardTransientError(f"{source}: our own rate limit is used up this minute", 60.0)
            yield
