"""The Skyvern sandbox: a stand-in for Skyvern that `jobraker up` runs when no SKYVERN_API_KEY is set.

It behaves as Skyvern's own source says Skyvern behaves (docs/applying.md cites each place),
so that what works here works against the real service:

- ``POST /v1/run/tasks`` (``x-api-key``; FastAPI ``{"detail": …}`` errors). ``engine`` defaults
  to ``skyvern-1.0``; a v1 run started with a ``url`` gets no data-extraction goal, so its
  ``output`` is null whatever ``data_extraction_schema`` says; ``skyvern-2.0`` returns the
  extraction. Loopback, private and internal job and webhook hosts are refused with 400
  ("The host in your url is blocked: …") unless started with ``allow_private_hosts`` (which
  `jobraker up` sets, its webhook being on 127.0.0.1).
- ``GET /v1/runs/{id}``, ``POST /v1/runs/{id}/cancel``, ``POST /v1/runs/{id}/retry_webhook``,
  ``POST /v1/upload_file`` (multipart ``file`` that must be a file part, ≤ 10 MB, optional
  ``retention_days`` 1–365; FastAPI's 422s and Skyvern's 413 as they answer), ``DELETE /v1/files/{id}``
  (204; 404 for a missing or deleted file). A run's agent "downloads" each sandbox file its prompt
  points at: one deleted or never uploaded fails the run; attached ones are named in the confirmation.
- 429 (RateLimitExceeded, ConcurrencyLimitExceeded) and 403 can be provoked (``refuse_next``,
  ``revoke_key``), for tests.
- At a terminal status it delivers the webhook signed as Skyvern signs it, with the v1 or v2
  fields (never ``run_request``), 3 attempts, retried on 5xx/403/408/425/429 and on network
  errors, honouring ``Retry-After`` up to 30 s.

Which way a run ends is decided by a hash of the job's URL (the same listing always ends the
same way): most complete with a confirmation, a few without one, a few fail, and a few stop
with one of the error codes the request's ``error_code_mapping`` names (a question the form
asks, a closed posting, a login wall, a captcha, an earlier application). Every listing at
``ASKING_COMPANY`` asks the sandbox's question too; a form asking it goes on when the prompt's
answers cover it (the prompt mentions a notice period). Nothing is ever sent to an employer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import structlog

from jobraker.appliers.skyvern import TERMINAL, sign
from jobraker.tls import tls_context

log = structlog.get_logger(__name__)

ORGANIZATION_ID = "o_sandbox"
APP_URL = "https://app.skyvern.com"
# skyvern/services/webhook_delivery.py
WEBHOOK_ATTEMPTS = 3
RETRYABLE_STATUSES = frozenset({403, 408, 425, 429})
MAX_RETRY_AFTER_SECONDS = 30.0
WEBHOOK_RETRIES = WEBHOOK_ATTEMPTS - 1  # kept for callers that counted retries

# The sandbox employer's question, and the company whose forms always ask it (so that a
# walk-through can meet it on purpose: sandbox listings at this company stop for it until the
# candidate's answers cover it).
SANDBOX_QUESTION = "What is your notice period?"
QUESTION_TOPIC = "notice period"
ASKING_COMPANY = "Quantex"

# skyvern/config.py MAX_UPLOAD_FILE_SIZE and MAX_UPLOADED_FILE_RETENTION_DAYS.
MAX_UPLOAD_FILE_SIZE = 10 * 1024 * 1024
MAX_RETENTION_DAYS = 365

# Out of every 100 job URLs (by hash). The error-coded ones end that way only when the request's
# error_code_mapping names the code; otherwise the agent just fails, as Skyvern's would.
OUTCOME_BUCKETS: tuple[tuple[range, str], ...] = (
    (range(0, 10), "failed"),
    (range(10, 15), "unconfirmed"),
    (range(15, 18), "question_unanswered"),
    (range(18, 20), "posting_closed"),
    (range(20, 21), "login_required"),
    (range(21, 22), "captcha"),
    (range(22, 23), "already_applied"),
)
ERROR_REASONS = {
    "question_unanswered": "The form asks a required question the candidate's answers do not cover: "
                           f"\"{SANDBOX_QUESTION}\"",
    "posting_closed": "The page says: \"This position is no longer accepting applications.\"",
    "login_required": "The application form is behind a sign-in page.",
    "captcha": "A captcha blocks the submit button.",
    "already_applied": "The site says: \"You have already applied to this job.\"",
}

# skyvern/utils/url_validators.py: what validate_url / validate_webhook_url refuse (no DNS).
_BLOCKED_NAMES = frozenset({"localhost", "metadata.google.internal", "kubernetes.default.svc"})
_BLOCKED_SUFFIXES = (".local", ".localhost", ".internal", ".cluster.local", ".svc")


def outcome_for(url: str) -> str:
    """How a run for this job URL ends: "confirmed", "unconfirmed", "failed" or an error code."""
    bucket = int.from_bytes(hashlib.sha256(url.encode()).digest()[:4], "big") % 100
    return next((outcome for buckets, outcome in OUTCOME_BUCKETS if bucket in buckets), "confirmed")


def outcome_of_request(request: dict[str, Any]) -> str:
    """How this run ends: by its job URL, except that a form asking the sandbox's question (the
    URL's lot, or any listing at ASKING_COMPANY) goes on, as an agent would, when the prompt's
    answers cover it."""
    outcome = outcome_for(str(request.get("url") or ""))
    asks = outcome == "question_unanswered" or ASKING_COMPANY.casefold() in str(request.get("title") or "").casefold()
    if not asks:
        return outcome
    answered = QUESTION_TOPIC in str(request.get("prompt") or "").casefold()
    return ("confirmed" if outcome == "question_unanswered" else outcome) if answered else "question_unanswered"


def blocked_host(url: str) -> str | None:
    """The host Skyvern would refuse in this URL (loopback, private, internal), or None."""
    host = (urlsplit(url).hostname or "").strip("[]").lower().rstrip(".")
    if not host:
        return url or "(none)"
    if host in _BLOCKED_NAMES or host.endswith(_BLOCKED_SUFFIXES):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    shared = isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10")
    risky = (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
             or address.is_multicast or address.is_unspecified or shared)
    return host if risky else None


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
    errors: list[dict[str, Any]] = field(default_factory=list)
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None
    webhook_attempts: int = 0
    attached: list[str] = field(default_factory=list)  # file names the agent "uploaded" to the form

    @property
    def engine(self) -> str:
        return str(self.request.get("engine") or "skyvern-1.0")

    @property
    def run_type(self) -> str:
        return "task_v2" if self.engine == "skyvern-2.0" else "task_v1"

    def run_response(self) -> dict[str, Any]:
        """skyvern/schemas/runs.py TaskRunResponse, without run_request."""
        finished = self.finished_at is not None
        return {
            "run_id": self.run_id, "status": self.status, "output": self.output, "downloaded_files": [],
            "recording_url": f"https://sandbox.skyvern.invalid/recordings/{self.run_id}.webm" if finished else None,
            "recording_archived": False,
            "screenshot_urls": [f"https://sandbox.skyvern.invalid/screenshots/{self.run_id}/final.png"] if finished else [],
            "failure_reason": self.failure_reason, "created_at": self.created_at,
            "modified_at": self.finished_at or self.created_at, "queued_at": self.created_at,
            "started_at": self.created_at, "finished_at": self.finished_at,
            "app_url": f"{APP_URL}/{'tasks' if self.run_type == 'task_v1' else 'runs'}/{self.run_id}",
            "browser_session_id": None, "browser_profile_id": None, "max_screenshot_scrolls": None,
            "script_run": None, "errors": self.errors, "step_count": 4 if finished else 0, "run_type": self.run_type,
        }

    def body(self) -> dict[str, Any]:
        """The run as ``GET /v1/runs/{id}`` returns it."""
        return {**self.run_response(), "run_request": self.request}

    def webhook_body(self) -> dict[str, Any]:
        """What Skyvern posts: v1 = TaskResponse (forge/sdk/schemas/tasks.py) without ``request``, updated
        with the run response; v2 = TaskV2 (forge/sdk/schemas/task_v2.py, by alias) updated likewise."""
        run = self.run_response()
        if self.run_type == "task_v1":
            task = {
                "task_id": self.run_id, "status": self.status, "created_at": self.created_at,
                "modified_at": run["modified_at"], "extracted_information": self.output,
                "action_screenshot_urls": run["screenshot_urls"], "screenshot_url": (run["screenshot_urls"] or [None])[0],
                "recording_url": run["recording_url"], "recording_archived": False, "browser_console_log_url": None,
                "downloaded_files": [], "downloaded_file_urls": [], "failure_reason": self.failure_reason,
                "failure_category": None, "webhook_failure_reason": None, "errors": self.errors,
                "max_steps_per_run": self.request.get("max_steps"), "workflow_run_id": None,
                "queued_at": self.created_at, "started_at": self.created_at, "finished_at": self.finished_at,
                "max_screenshot_scrolls": None, "step_count": run["step_count"], "browser_session_id": None,
            }
        else:
            task = {
                "task_id": self.run_id, "status": self.status, "organization_id": ORGANIZATION_ID,
                "workflow_run_id": f"wr_{self.run_id[7:]}", "workflow_id": None, "workflow_permanent_id": None,
                "prompt": self.request.get("prompt"), "url": self.request.get("url"),
                "summary": self.failure_reason or (json.dumps(self.output) if self.output else self.status),
                "output": self.output, "totp_verification_url": None, "totp_identifier": None,
                "proxy_location": self.request.get("proxy_location") or "RESIDENTIAL",
                "webhook_callback_url": self.request.get("webhook_url"), "webhook_failure_reason": None,
                "extracted_information_schema": self.request.get("data_extraction_schema"),
                "error_code_mapping": self.request.get("error_code_mapping"), "workflow_system_prompt": None,
                "model": None, "queued_at": self.created_at, "started_at": self.created_at,
                "finished_at": self.finished_at, "max_screenshot_scrolling_times": None, "extra_http_headers": None,
                "cdp_connect_headers": None, "browser_address": None, "run_with": None, "failure_category": None,
                "created_at": self.created_at, "modified_at": run["modified_at"],
            }
        return {**task, **run}


@dataclass(frozen=True)
class Refusal:
    """An answer the next ``POST /v1/run/tasks`` gets instead of a run (tests provoke these)."""

    status: int
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after: str | None = None) -> Refusal:
    """skyvern/exceptions.py RateLimitExceeded (429). Skyvern itself sets no Retry-After; a proxy may."""
    detail = f"Rate limit exceeded for organization {ORGANIZATION_ID}. Maximum 10 requests per 60 seconds allowed."
    return Refusal(429, detail, {"Retry-After": retry_after} if retry_after is not None else {})


def concurrency_limited(retry_after: str | None = None) -> Refusal:
    """skyvern/exceptions.py ConcurrencyLimitExceeded (429)."""
    detail = (f"Concurrency limit exceeded for organization {ORGANIZATION_ID}. At most 5 run_task requests may be "
              "in flight at once. Retry once an in-flight request finishes.")
    return Refusal(429, detail, {"Retry-After": retry_after} if retry_after is not None else {})


class SandboxSkyvern:
    """The stand-in itself: a threaded HTTP server on ``host:port`` (0 = any free port)."""

    def __init__(self, api_key: str, *, delay: float = 3.0, host: str = "127.0.0.1", port: int = 0,
                 retry_backoff: float = 1.0, allow_private_hosts: bool = False) -> None:
        self.api_key = api_key
        self.delay = delay
        self.retry_backoff = retry_backoff
        self.allow_private_hosts = allow_private_hosts
        self.runs: dict[str, SandboxRun] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.refuse_next: list[Refusal] = []
        self.key_revoked = False
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
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sandbox-skyvern", daemon=True)  # stops within 50 ms, not 0.5 s
        self._thread.start()
        log.info("sandbox_skyvern_listening", url=self.base_url, sandbox=True, delay=self.delay,
                 allow_private_hosts=self.allow_private_hosts)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Provoking Skyvern's refusals (tests).

    def revoke_key(self) -> None:
        """Every request answers 403 Invalid credentials from now on, as with a revoked key."""
        self.key_revoked = True

    # What the routes do.

    def refusal_for(self, request: dict[str, Any]) -> Refusal | None:
        """Why Skyvern would refuse to start this run, before any run exists."""
        with self.lock:
            if self.refuse_next:
                return self.refuse_next.pop(0)
        if self.allow_private_hosts:
            return None
        for name in ("url", "webhook_url", "totp_url"):
            value = request.get(name)
            host = blocked_host(str(value)) if value else None
            if host:
                return Refusal(400, f"The host in your url is blocked: {host}")
        return None

    def accept(self, request: dict[str, Any]) -> SandboxRun:
        v2 = request.get("engine") == "skyvern-2.0"
        run_id = f"tsk_v2_{random.getrandbits(60)}" if v2 else f"tsk_{random.getrandbits(60)}"
        run = SandboxRun(run_id=run_id, request=request)
        with self.lock:
            self.runs[run.run_id] = run
        log.info("sandbox_skyvern_run_accepted", run_id=run.run_id, engine=run.engine, sandbox=True)  # not the url: a manual job's is the candidate's
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
            self._settle(run, self._attach_files(run) or outcome_of_request(run.request))
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
        run.finished_at = _now()
        mapping = run.request.get("error_code_mapping") or {}
        if outcome in ERROR_REASONS:
            if outcome in mapping:
                # The agent stops and reports the user-defined error (skyvern/errors/errors.py UserDefinedError).
                run.status = "terminated"
                run.failure_reason = f"{mapping[outcome]} ({ERROR_REASONS[outcome]})"
                run.errors = [{"error_code": outcome, "reasoning": ERROR_REASONS[outcome], "confidence_float": 0.9,
                               "error_type": "USER_DEFINED_ERROR"}]
                return
            outcome = "failed"
        if outcome == "file_missing":
            run.status = "failed"
            run.failure_reason = "Sandbox: the file to upload could not be downloaded (404): it was deleted or never uploaded."
            return
        if outcome == "failed":
            run.status = "failed"
            run.failure_reason = "Sandbox: the employer's form asked for a work permit number the profile does not give."
            return
        run.status = "completed"
        if run.run_type == "task_v1":
            # A v1 run started with a url has no data_extraction_goal: Skyvern never extracts (output null).
            return
        if outcome == "unconfirmed":
            run.output = {"submitted": True, "confirmation": "", "confirmation_number": ""}
        else:
            title = run.request.get("title") or "the job"
            reference = f"SBX-{hashlib.sha256(run.run_id.encode()).hexdigest()[:8].upper()}"
            received = f" We received your CV ({', '.join(run.attached)})." if run.attached else ""
            run.output = {"submitted": True, "confirmation_number": reference,
                          "confirmation": f"Thank you for applying ({title}).{received} Your application reference is {reference}."}

    def upload(self, filename: str, content: bytes, retention_days: int | None = None) -> dict[str, Any]:
        """skyvern/forge/sdk/routes/agent_protocol.py upload_file: the id (generate_uploaded_file_id)
        is in the stored name; ``expires_at`` only with a retention period."""
        file_id = f"file_{random.getrandbits(60)}"
        with self.lock:
            self.files[file_id] = (filename, content)
        expires = None
        if retention_days is not None:
            expires = (datetime.now(UTC) + timedelta(days=retention_days)).isoformat().replace("+00:00", "Z")
        return {"s3_uri": f"s3://skyvern-uploads/{ORGANIZATION_ID}/{file_id}_{filename}",
                "presigned_url": f"{self.base_url}/sandbox/files/{file_id}", "file_id": file_id, "expires_at": expires}

    def _attach_files(self, run: SandboxRun) -> str:
        """The agent downloads each file the prompt points at in this sandbox's storage; one that is
        not there (deleted, or never uploaded) fails the run, as Skyvern's download would."""
        for file_id in re.findall(re.escape(self.base_url) + r"/sandbox/files/(file_\d+)", str(run.request.get("prompt") or "")):
            stored = self.files.get(file_id)
            if stored is None:
                return "file_missing"
            run.attached.append(stored[0])
        return ""

    def delete_file(self, file_id: str) -> bool:
        with self.lock:
            return self.files.pop(file_id, None) is not None

    def deliver(self, run: SandboxRun, url: str | None = None, attempts: int = WEBHOOK_ATTEMPTS) -> httpx.Response | None:
        """POST the signed webhook as skyvern/services/webhook_delivery.py does; the last answer, or None."""
        url = url or run.request.get("webhook_url")
        if not url:
            return None
        raw = json.dumps(run.webhook_body(), separators=(",", ":")).encode()
        answer: httpx.Response | None = None
        for attempt in range(attempts):
            run.webhook_attempts += 1
            headers = {"content-type": "application/json", "x-skyvern-signature": sign(raw, self.api_key),
                       "x-skyvern-timestamp": str(int(time.time()))}
            try:
                answer = httpx.post(url, content=raw, headers=headers, timeout=30, verify=tls_context())
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                answer = None
                log.warning("sandbox_skyvern_webhook_failed", run_id=run.run_id, attempt=attempt + 1,
                            error=type(exc).__name__, sandbox=True)
            else:
                if answer.is_success or not _retryable(answer.status_code):
                    log.info("sandbox_skyvern_webhook_answered", run_id=run.run_id, attempt=attempt + 1,
                             status=answer.status_code, sandbox=True)
                    return answer
                log.warning("sandbox_skyvern_webhook_refused", run_id=run.run_id, attempt=attempt + 1,
                            status=answer.status_code, sandbox=True)
            if attempt < attempts - 1:
                time.sleep(self._backoff(attempt, answer))
        return answer

    def _backoff(self, attempt: int, answer: httpx.Response | None) -> float:
        hinted = _retry_after_seconds(answer.headers.get("Retry-After")) if answer is not None else None
        if hinted is not None:
            return min(hinted, MAX_RETRY_AFTER_SECONDS)
        return self.retry_backoff * 2 ** attempt + random.uniform(0, self.retry_backoff)

    def replay_webhook(self, run: SandboxRun, webhook_url: str | None) -> dict[str, Any]:
        """``POST /v1/runs/{id}/retry_webhook``: one attempt, answered as RunWebhookReplayResponse."""
        target = webhook_url or run.request.get("webhook_url")
        started = time.monotonic()
        answer, error = None, None
        if target:
            try:
                answer = self.deliver(run, target, attempts=1)
            except httpx.HTTPError as exc:  # an unsupported scheme and the like
                error = type(exc).__name__
        return {
            "run_id": run.run_id, "run_type": run.run_type, "default_webhook_url": run.request.get("webhook_url"),
            "target_webhook_url": target, "payload": json.dumps(run.webhook_body(), separators=(",", ":")),
            "headers": {"x-skyvern-signature": "…", "x-skyvern-timestamp": str(int(time.time()))},
            "status_code": answer.status_code if answer is not None else None,
            "latency_ms": int((time.monotonic() - started) * 1000),
            "response_body": answer.text[:2048] if answer is not None else None,
            "error": error or (None if answer is not None else "no webhook url" if not target else "delivery failed"),
        }


def _retryable(status: int) -> bool:
    return status in RETRYABLE_STATUSES or 500 <= status < 600


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds, or an HTTP date, as Skyvern's _parse_retry_after reads it."""
    from email.utils import parsedate_to_datetime

    if not value or not value.strip():
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        target = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if target.tzinfo is None:
        target = target.replace(tzinfo=UTC)
    return max((target - datetime.now(UTC)).total_seconds(), 0.0)


def _multipart_form(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body's parts by name: (filename or None for a plain field, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    if not message.is_multipart():
        return {}
    form: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and name not in form:
            payload = part.get_payload(decode=True)
            form[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return form


def _upload_errors(form: dict[str, tuple[str | None, bytes]]) -> list[dict[str, Any]]:
    """FastAPI's 422 for upload_file's parameters (``file: UploadFile``, ``retention_days: int | None``),
    as FastAPI 0.136 (Skyvern's) answers them. A ``file`` sent as a plain form field, as the generated
    SDK 1.0.56 sends it, is not an UploadFile."""
    errors: list[dict[str, Any]] = []
    found = form.get("file")
    if found is None:
        errors.append({"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None})
    elif found[0] is None:
        text = found[1].decode("utf-8", "replace")
        errors.append({"type": "value_error", "loc": ["body", "file"], "msg": "Value error, Expected UploadFile, received: <class 'str'>",
                       "input": text, "ctx": {"error": {}}})
    retention = form.get("retention_days")
    if retention is not None:
        text = retention[1].decode("utf-8", "replace")
        if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
            errors.append({"type": "int_parsing", "loc": ["body", "retention_days"],
                           "msg": "Input should be a valid integer, unable to parse string as an integer", "input": text})
    return errors


def _handler(sandbox: SandboxSkyvern) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "skyvern-sandbox"

        def log_message(self, *args: object) -> None:  # structlog does the logging
            pass

        def _parts(self) -> list[str]:
            return urlsplit(self.path).path.strip("/").split("/")

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self._authorized():
                return
            parts = self._parts()
            if parts == ["v1", "run", "tasks"]:
                return self._run_task(raw)
            if parts == ["v1", "upload_file"]:
                return self._upload(raw)
            if len(parts) == 4 and parts[:2] == ["v1", "runs"] and parts[3] in ("cancel", "retry_webhook"):
                run = sandbox.runs.get(parts[2]) if parts[3] == "retry_webhook" else sandbox.cancel(parts[2])
                if run is None:
                    return self._send(404, {"detail": f"Task run not found {parts[2]}"})
                if parts[3] == "cancel":
                    return self._send(200, run.body())
                wanted = json.loads(raw or b"null") or {}
                return self._send(200, sandbox.replay_webhook(run, wanted.get("webhook_url")))
            self._send(404, {"detail": "Not Found"})

        def do_GET(self) -> None:
            parts = self._parts()
            if len(parts) == 3 and parts[:2] == ["sandbox", "files"]:  # the presigned URL: no key needed
                stored = sandbox.files.get(parts[2])
                return self._send(404, {"detail": "Not Found"}) if stored is None else self._send_bytes(stored[1])
            if not self._authorized():
                return
            if len(parts) == 3 and parts[:2] == ["v1", "runs"]:
                run = sandbox.runs.get(parts[2])
                return self._send(404, {"detail": f"Task run not found {parts[2]}"}) if run is None else self._send(200, run.body())
            self._send(404, {"detail": "Not Found"})

        def do_DELETE(self) -> None:
            if not self._authorized():
                return
            parts = self._parts()
            if len(parts) == 3 and parts[:2] == ["v1", "files"]:
                if sandbox.delete_file(parts[2]):
                    return self._send_bytes(b"", 204)
                return self._send(404, {"detail": f"File {parts[2]} not found"})
            self._send(404, {"detail": "Not Found"})

        def _run_task(self, raw: bytes) -> None:
            try:
                body = json.loads(raw or b"null")
            except ValueError as exc:
                return self._send(422, {"detail": [{"type": "json_invalid", "loc": ["body", 0], "msg": f"JSON decode error: {exc}"}]})
            if not isinstance(body, dict) or not body.get("prompt"):
                return self._send(422, {"detail": [{"type": "missing", "loc": ["body", "prompt"], "msg": "Field required"}]})
            engine = body.get("engine") or "skyvern-1.0"
            if engine not in ("skyvern-1.0", "skyvern-2.0"):
                return self._send(400, {"detail": f"Invalid agent engine: {engine} (the sandbox runs skyvern-1.0 and skyvern-2.0)"})
            refusal = sandbox.refusal_for(body)
            if refusal is not None:
                return self._send(refusal.status, {"detail": refusal.detail}, refusal.headers)
            self._send(200, sandbox.accept(body).body())

        def _upload(self, raw: bytes) -> None:
            form = _multipart_form(self.headers.get("Content-Type", ""), raw)
            errors = _upload_errors(form)
            if errors:
                return self._send(422, {"detail": errors})
            filename, content = form["file"]
            if len(content) > MAX_UPLOAD_FILE_SIZE:
                return self._send(413, {"detail": f"File size exceeds the maximum allowed size ({MAX_UPLOAD_FILE_SIZE / 1024 / 1024} MB)"})
            retention = form.get("retention_days")
            days = int(retention[1]) if retention is not None else None
            if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
                return self._send(422, {"detail": f"retention_days must be between 1 and {MAX_RETENTION_DAYS}"})
            self._send(200, sandbox.upload(filename or "", content, days))  # _upload_errors refused a part without one

        def _authorized(self) -> bool:
            if self.headers.get("x-api-key") == sandbox.api_key and not sandbox.key_revoked:
                return True
            self._send(403, {"detail": "Invalid credentials"})
            return False

        def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _send_bytes(self, raw: bytes, code: int = 200) -> None:
            self.send_response(code)
            if code != 204:
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def serve(api_key: str, host: str, port: int, delay: float, stop: threading.Event, *,
          allow_private_hosts: bool = False) -> None:
    """``jobraker sandbox-skyvern``: serve until ``stop`` is set."""
    sandbox = SandboxSkyvern(api_key, delay=delay, host=host, port=port, allow_private_hosts=allow_private_hosts).start()
    try:
        stop.wait()
    finally:
        sandbox.stop()
