"""The Skyvern sandbox: a stand-in for Skyvern that `jobraker up` runs when no SKYVERN_API_KEY is set.

It speaks Skyvern's wire format (see WIRE_FORMATS.md) so that the real ``SkyvernApplier``
and the real webhook endpoint do the work: ``POST /v1/run/tasks`` with ``x-api-key``,
``GET /v1/runs/{id}``, ``POST /v1/runs/{id}/cancel``, FastAPI-style ``{"detail": …}``
errors. Each run finishes after a delay; which way it ends is decided by a hash of the
job's URL (so the same listing always ends the same way): most complete with a
confirmation from the "employer's site", a few complete without one (Jobraker records
those as unverified), a few fail. At the end it delivers the webhook signed exactly as
Skyvern signs it, retrying up to three times. Nothing is ever sent to an employer.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx
import structlog

from jobraker.appliers.skyvern import TERMINAL, sign

log = structlog.get_logger(__name__)

WEBHOOK_RETRIES = 3  # Skyvern retries a delivery up to three times
ORGANIZATION_ID = "o_sandbox"
# Out of every 20 job URLs (by hash): 2 fail, 1 completes without a confirmation, 17 confirm.
FAILING, UNCONFIRMED = {0, 1}, {2}


def outcome_for(url: str) -> str:
    """"failed", "unconfirmed" or "confirmed": the same for the same job URL, every time."""
    bucket = int.from_bytes(hashlib.sha256(url.encode()).digest()[:4], "big") % 20
    return "failed" if bucket in FAILING else "unconfirmed" if bucket in UNCONFIRMED else "confirmed"


def _now() -> str:
    # Skyvern's timestamps carry no time zone.
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


@dataclass
class SandboxRun:
    run_id: str
    request: dict[str, Any]
    status: str = "queued"
    output: Any = None
    failure_reason: str | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None
    webhook_attempts: int = 0

    def body(self) -> dict[str, Any]:
        """The run as ``GET /v1/runs/{id}`` returns it."""
        return {
            "run_id": self.run_id, "run_type": "task_v1", "status": self.status, "output": self.output,
            "failure_reason": self.failure_reason, "errors": [], "step_count": 4 if self.finished_at else 0,
            "downloaded_files": [], "recording_url": None, "screenshot_urls": [],
            "created_at": self.created_at, "modified_at": self.finished_at or self.created_at,
            "queued_at": self.created_at, "started_at": self.created_at, "finished_at": self.finished_at,
            "app_url": None, "run_request": self.request,
        }

    def webhook_body(self) -> dict[str, Any]:
        summary = self.failure_reason or (json.dumps(self.output) if self.output else self.status)
        return {**self.body(), "task_id": self.run_id, "summary": summary, "organization_id": ORGANIZATION_ID,
                "workflow_run_id": None}


class SandboxSkyvern:
    """The stand-in itself: a threaded HTTP server on ``host:port`` (0 = any free port)."""

    def __init__(self, api_key: str, *, delay: float = 3.0, host: str = "127.0.0.1", port: int = 0,
                 retry_backoff: float = 1.0) -> None:
        self.api_key = api_key
        self.delay = delay
        self.retry_backoff = retry_backoff
        self.runs: dict[str, SandboxRun] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # Running.

    def start(self) -> SandboxSkyvern:
        self._thread = threading.Thread(target=self.server.serve_forever, name="sandbox-skyvern", daemon=True)
        self._thread.start()
        log.info("sandbox_skyvern_listening", url=self.base_url, sandbox=True, delay=self.delay)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # What the routes do.

    def accept(self, request: dict[str, Any]) -> SandboxRun:
        run = SandboxRun(run_id=f"tsk_sbx{uuid.uuid4().hex[:20]}", request=request)
        with self.lock:
            self.runs[run.run_id] = run
        log.info("sandbox_skyvern_run_accepted", run_id=run.run_id, sandbox=True)  # not the url: a manual job's is the candidate's
        timer = threading.Timer(self.delay, self.finish, args=(run.run_id,))
        timer.daemon = True
        timer.start()
        return run

    def finish(self, run_id: str) -> None:
        """End a run the way its job URL decides, then deliver the webhook."""
        with self.lock:
            run = self.runs[run_id]
            if run.status in TERMINAL:  # canceled meanwhile
                return
            self._settle(run, outcome_for(str(run.request.get("url") or "")))
        log.info("sandbox_skyvern_run_finished", run_id=run_id, status=run.status, sandbox=True)
        self.deliver(run)

    def cancel(self, run_id: str) -> SandboxRun | None:
        with self.lock:
            run = self.runs.get(run_id)
            if run is None or run.status in TERMINAL:
                return run
            run.status, run.finished_at = "canceled", _now()
        threading.Thread(target=self.deliver, args=(run,), daemon=True).start()
        return run

    def _settle(self, run: SandboxRun, outcome: str) -> None:
        title = run.request.get("title") or "the job"
        run.finished_at = _now()
        if outcome == "failed":
            run.status = "failed"
            run.failure_reason = "Sandbox: the employer's form asked for a work permit number the profile does not give."
        elif outcome == "unconfirmed":
            run.status = "completed"
            run.output = {"submitted": True, "confirmation": None,
                          "page_text": "The form closed after the last step; the page showed no message."}
        else:
            reference = f"SBX-{hashlib.sha256(run.run_id.encode()).hexdigest()[:8].upper()}"
            run.status = "completed"
            run.output = {"submitted": True, "confirmation_number": reference,
                          "confirmation": f"Thank you for applying ({title}). Your application reference is {reference}."}

    def deliver(self, run: SandboxRun) -> bool:
        """POST the signed webhook; retried up to three times on errors and non-2xx answers."""
        url = run.request.get("webhook_url")
        if not url:
            return False
        raw = json.dumps(run.webhook_body(), separators=(",", ":")).encode()
        for attempt in range(1 + WEBHOOK_RETRIES):
            if attempt:
                time.sleep(self.retry_backoff * 2 ** (attempt - 1))
            run.webhook_attempts += 1
            headers = {"content-type": "application/json", "x-skyvern-signature": sign(raw, self.api_key),
                       "x-skyvern-timestamp": str(int(time.time()))}
            try:
                answer = httpx.post(url, content=raw, headers=headers, timeout=10)
            except httpx.HTTPError as exc:
                log.warning("sandbox_skyvern_webhook_failed", run_id=run.run_id, attempt=attempt + 1, error=str(exc), sandbox=True)
                continue
            if answer.is_success:
                log.info("sandbox_skyvern_webhook_delivered", run_id=run.run_id, attempt=attempt + 1, sandbox=True)
                return True
            log.warning("sandbox_skyvern_webhook_refused", run_id=run.run_id, attempt=attempt + 1,
                        status=answer.status_code, sandbox=True)
        return False


def _handler(sandbox: SandboxSkyvern) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "skyvern-sandbox"

        def log_message(self, *args: object) -> None:  # structlog does the logging
            pass

        def do_POST(self) -> None:
            if not self._authorized():
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = self.path.strip("/").split("/")
            if self.path == "/v1/run/tasks":
                return self._run_task(raw)
            if len(parts) == 4 and parts[:2] == ["v1", "runs"] and parts[3] == "cancel":
                run = sandbox.cancel(parts[2])
                return self._send(404, {"detail": "Run not found"}) if run is None else self._send(200, run.body())
            self._send(404, {"detail": "Not Found"})

        def do_GET(self) -> None:
            if not self._authorized():
                return
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[:2] == ["v1", "runs"]:
                run = sandbox.runs.get(parts[2])
                return self._send(404, {"detail": "Run not found"}) if run is None else self._send(200, run.body())
            self._send(404, {"detail": "Not Found"})

        def _run_task(self, raw: bytes) -> None:
            try:
                body = json.loads(raw or b"null")
            except ValueError as exc:
                return self._send(422, {"detail": [{"type": "json_invalid", "loc": ["body", 0], "msg": f"JSON decode error: {exc}"}]})
            if not isinstance(body, dict) or not body.get("prompt"):
                return self._send(422, {"detail": [{"type": "missing", "loc": ["body", "prompt"], "msg": "Field required"}]})
            self._send(200, sandbox.accept(body).body())

        def _authorized(self) -> bool:
            if self.headers.get("x-api-key") == sandbox.api_key:
                return True
            self._send(403, {"detail": "Invalid credentials"})
            return False

        def _send(self, code: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def serve(api_key: str, host: str, port: int, delay: float, stop: threading.Event) -> None:
    """``jobraker sandbox-skyvern``: serve until ``stop`` is set."""
    sandbox = SandboxSkyvern(api_key, delay=delay, host=host, port=port).start()
    try:
        stop.wait()
    finally:
        sandbox.stop()
