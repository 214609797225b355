"""Skyvern's task API and webhook signatures, as they go over the wire."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from jobraker.retry_after import retry_after_seconds
from jobraker.tls import tls_context

TERMINAL = {"completed", "failed", "terminated", "canceled", "timed_out"}


class SkyvernRun(BaseModel):
    model_config = ConfigDict(extra="ignore")

    run_id: str
    status: str
    run_type: str | None = None
    output: Any = None
    failure_reason: str | None = None
    # User-defined errors the agent stopped with: [{"error_code", "reasoning", "confidence_float", …}]
    errors: list[dict[str, Any]] | None = None
    recording_url: str | None = None
    screenshot_urls: list[str] | None = None
    app_url: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None

    def error_codes(self) -> list[tuple[str, str]]:
        """(error_code, reasoning) of each error the agent reported, in order."""
        found = []
        for error in self.errors or []:
            if isinstance(error, dict) and isinstance(error.get("error_code"), str):
                found.append((error["error_code"], str(error.get("reasoning") or "")))
        return found

    def evidence(self) -> dict[str, Any]:
        """What Skyvern keeps of the run for people to look at (links to its app, recording, screenshots)."""
        return {"recording_url": self.recording_url, "screenshot_urls": list(self.screenshot_urls or [])[:20],
                "app_url": self.app_url}


class SkyvernRejected(Exception):
    """Skyvern refused the task (4xx): nothing was started; not worth retrying as is."""


class SkyvernBusy(Exception):
    """429 (RateLimitExceeded or ConcurrencyLimitExceeded): raised before any run exists, so
    nothing was started and sending again later is safe. ``retry_after``: seconds, when told."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SkyvernKeyRefused(Exception):
    """403: Skyvern refuses the API key. Nothing was started; nothing will be until staff fix the key."""


class SkyvernUnknownOutcome(Exception):
    """No answer (timeout, 5xx, dropped connection): a task may or may not have started."""


class SkyvernUploadFailed(SkyvernBusy):
    """The resume file could not be uploaded (a refusal, a 5xx, no answer). It comes before any run
    is started, so, as with a 429, nothing was sent: the application waits in the queue."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after)


class UploadedFile(BaseModel):
    """skyvern/schemas/runs.py UploadFileResponse: ``file_id`` is what DELETE /v1/files/{id} takes."""

    model_config = ConfigDict(extra="ignore")

    s3_uri: str
    presigned_url: str
    file_id: str | None = None
    expires_at: datetime | None = None


class Applier(Protocol):
    dry_run: bool
    name: str  # recorded with the submission: "skyvern", "sandbox" or "dry-run"

    def run_task(self, payload: dict[str, Any]) -> str:
        """Start the task; return its run id."""


class SkyvernApplier:
    dry_run = False

    def __init__(self, base_url: str, api_key: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 30.0,
                 name: str = "skyvern") -> None:
        self.name = name  # "sandbox" when base_url is `jobraker up`'s Skyvern sandbox
        self._http = httpx.Client(base_url=base_url, headers={"x-api-key": api_key}, transport=transport, timeout=timeout,
                                  verify=tls_context())

    def run_task(self, payload: dict[str, Any]) -> str:
        try:
            response = self._http.post("/v1/run/tasks", json=payload)
        except httpx.TransportError as exc:
            raise SkyvernUnknownOutcome(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500:
            raise SkyvernUnknownOutcome(f"Skyvern answered {response.status_code}")
        if response.status_code == 429:
            raise SkyvernBusy(f"Skyvern is busy (429): {_detail(response)}", retry_after_seconds(response))
        if response.status_code == 403:
            raise SkyvernKeyRefused(f"Skyvern refused the API key (403): {_detail(response)}")
        if response.status_code >= 400:
            raise SkyvernRejected(f"Skyvern refused the task ({response.status_code}): {response.text[:300]}")
        run_id = _run_of(response).run_id
        if not run_id:
            raise SkyvernUnknownOutcome("Skyvern accepted the task but gave no run id")
        return run_id

    def upload_file(self, filename: str, content: bytes, content_type: str, retention_days: int = 1) -> UploadedFile:
        """``POST /v1/upload_file`` (multipart ``file``; ``retention_days``: Skyvern deletes it then
        even if Jobraker never could). Raises SkyvernKeyRefused (403) or SkyvernUploadFailed."""
        try:
            response = self._http.post("/v1/upload_file", files={"file": (filename, content, content_type)},
                                        data={"retention_days": str(retention_days)})
        except httpx.TransportError as exc:
            raise SkyvernUploadFailed(f"resume upload: {type(exc).__name__}") from None
        if response.status_code == 403:
            raise SkyvernKeyRefused(f"Skyvern refused the API key (403): {_detail(response)}")
        if response.status_code == 429:
            raise SkyvernUploadFailed(f"resume upload: Skyvern is busy (429): {_detail(response)}", retry_after_seconds(response))
        if response.status_code >= 300:
            raise SkyvernUploadFailed(f"resume upload refused ({response.status_code}): {_detail(response)}")
        try:
            return UploadedFile.model_validate(response.json())
        except ValueError:
            raise SkyvernUploadFailed("resume upload: Skyvern's answer is unreadable") from None

    def delete_file(self, file_id: str) -> str:
        """``DELETE /v1/files/{id}``: "deleted" (204), "gone" (404: missing or deleted before),
        or what went wrong, for the record (never raises)."""
        try:
            response = self._http.delete(f"/v1/files/{file_id}")
        except httpx.TransportError as exc:
            return f"no answer: {type(exc).__name__}"
        if response.status_code == 204:
            return "deleted"
        if response.status_code == 404:
            return "gone"
        return f"refused: {response.status_code}"

    def get_run(self, run_id: str) -> SkyvernRun:
        response = self._http.get(f"/v1/runs/{run_id}")
        response.raise_for_status()
        return _run_of(response)




def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail if detail is not None else response.text)[:300]


def _run_of(response: httpx.Response) -> SkyvernRun:
    """A 2xx that is not a run (a proxy's page, a changed API) says nothing about the task."""
    try:
        return SkyvernRun.model_validate(response.json())
    except ValueError as exc:  # not JSON, or not a run (pydantic's ValidationError is a ValueError)
        raise SkyvernUnknownOutcome(f"Skyvern's answer is unreadable ({response.status_code}): {exc}"[:300]) from None


class DryRunApplier:
    """No Skyvern key: record exactly what would be sent, send nothing."""

    dry_run = True
    name = "dry-run"

    def run_task(self, payload: dict[str, Any]) -> str:
        return ""


def sign(body: bytes, api_key: str) -> str:
    return hmac.new(api_key.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, signature: str | None, api_key: str) -> bool:
    if not signature:
        return False
    # Bytes, not str: hmac.compare_digest raises TypeError on a str with non-ASCII characters,
    # and a forged header may hold any.
    return hmac.compare_digest(sign(body, api_key).encode(), signature.encode("utf-8", "surrogatepass"))
