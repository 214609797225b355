"""The Adzuna search API over httpx, every call counted against the shared quota.

Without ``ADZUNA_APP_ID``/``ADZUNA_APP_KEY`` the same client reads the sandbox feed
(``adzuna_sandbox.py``): realistic listings in Adzuna's wire format, labelled as such."""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from jobraker.sources.adzuna_models import AdzunaSearchResults
from jobraker.sources.quota import AdzunaQuota
from jobraker.tls import tls_context

log = structlog.get_logger(__name__)

ADZUNA_BASE_URL = "https://api.adzuna.com/v1/api"


class AdzunaError(Exception):
    pass


class AdzunaAuthError(AdzunaError):
    """The credentials were refused: retrying cannot help; an operator must act."""


class AdzunaTransientError(AdzunaError):
    """429, 5xx or a timeout: back off and retry."""


class AdzunaClient:
    def __init__(self, app_id: str, app_key: str, quota: AdzunaQuota, *, base_url: str = ADZUNA_BASE_URL,
                 transport: httpx.BaseTransport | None = None, timeout: float = 15.0) -> None:
        self._auth = {"app_id": app_id, "app_key": app_key}
        self.quota = quota
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout, verify=tls_context(),
                                  headers={"Accept": "application/json"})

    def search(self, country: str, page: int, **query: Any) -> AdzunaSearchResults:
        self.quota.acquire()
        params = {**self._auth, "content-type": "application/json", **{k: v for k, v in query.items() if v not in (None, "")}}
        try:
            response = self._http.get(f"/jobs/{country}/search/{page}", params=params)
        except httpx.TimeoutException as exc:
            raise AdzunaTransientError(f"timeout: {exc}") from None
        except httpx.TransportError as exc:
            raise AdzunaTransientError(f"network: {exc}") from None
        if response.status_code == 401:
            log.critical("adzuna_auth_failed", body=response.text[:200])
            raise AdzunaAuthError("Adzuna refused the credentials (401 AUTH_FAIL): check ADZUNA_APP_ID/ADZUNA_APP_KEY")
        if response.status_code == 429 or response.status_code >= 500:
            raise AdzunaTransientError(f"Adzuna answered {response.status_code}")
        if response.status_code != 200:
            raise AdzunaError(f"Adzuna answered {response.status_code}: {response.text[:200]}")
        try:
            return AdzunaSearchResults.model_validate(response.json())
        except ValueError as exc:  # not JSON, or not a search result (pydantic's ValidationError is a ValueError)
            # An error page from a proxy or an outage looks like this; trying again later can help.
            raise AdzunaTransientError(f"Adzuna answered 200 with something that is not a search result: {exc}"[:300]) from None

    def close(self) -> None:
        self._http.close()
