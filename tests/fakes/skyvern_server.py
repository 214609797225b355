"""A loopback Skyvern: POST /v1/run/tasks and GET /v1/runs/{id}, POST /v1/upload_file and DELETE
/v1/files/{id}, x-api-key auth, FastAPI-style errors, and failures on demand; plus a signer for
webhook deliveries."""

from __future__ import annotations

import json
import threading
import time
import uuid

from .loopback import LoopbackServer, QuietHandler


class FakeSkyvern(LoopbackServer):
    def __init__(self, api_key: str = "sk-skyvern", delay: float = 0.05, finish_after: float | None = None) -> None:
        self.api_key = api_key
        self.delay = delay  # how long POST /v1/run/tasks takes (the fault test makes it slow)
        # Runs report "completed" this long after they start (None: only what ``statuses`` says);
        # no webhook is ever sent, so only polling can tell (the chaos run).
        self.finish_after = finish_after
        self.started: dict[str, float] = {}
        self.outputs: dict[str, object] = {}  # run id → output GET /v1/runs/{id} reports
        self.tasks: list[dict] = []
        self.fail_next: list[int] = []
        self.statuses: dict[str, str] = {}  # run id → status GET /v1/runs/{id} reports
        self.files: dict[str, tuple[str | None, bytes]] = {}  # file id → (file name, bytes), as uploaded
        self.lock = threading.Lock()
        self.prefix = uuid.uuid4().hex[:8]  # run ids stay unique across servers, as Skyvern's are
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return self.origin

    def run_id(self, n: int) -> str:
        return f"tsk_{self.prefix}{n:04d}"

    def run_body(self, run_id: str, status: str, **extra) -> dict:
        return {"run_id": run_id, "run_type": "task_v1", "status": status, "output": extra.pop("output", None),
                "failure_reason": extra.pop("failure_reason", None), "errors": [], "step_count": 3,
                "created_at": "2026-11-29T10:00:00", "finished_at": "2026-11-29T10:03:00", **extra}

    def status_of(self, run_id: str) -> str:
        if run_id in self.statuses:
            return self.statuses[run_id]
        started = self.started.get(run_id)
        finished = self.finish_after is not None and started is not None and time.monotonic() - started >= self.finish_after
        return "completed" if finished else "running"

    def _handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                if self.headers.get("x-api-key") != fake.api_key:
                    return self._send(403, {"detail": "Invalid credentials"})
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/upload_file":
                    return self._upload(raw)
                body = json.loads(raw)
                if self.path != "/v1/run/tasks":
                    return self._send(404, {"detail": "Not Found"})
                if "prompt" not in body:
                    return self._send(422, {"detail": [{"loc": ["body", "prompt"], "msg": "field required"}]})
                with fake.lock:
                    fake.tasks.append(body)
                    run_id = fake.run_id(len(fake.tasks))
                    fake.started[run_id] = time.monotonic()
                    failure = fake.fail_next.pop(0) if fake.fail_next else None
                if failure:
                    return self._send(failure, {"detail": "boom"})
                time.sleep(fake.delay)
                self._send(200, fake.run_body(run_id, "created"))

            def _upload(self, raw: bytes) -> None:
                from jobraker.appliers.sandbox import _multipart_form

                part = _multipart_form(self.headers.get("Content-Type", ""), raw).get("file")
                if part is None or part[0] is None:
                    return self._send(422, {"detail": [{"loc": ["body", "file"], "msg": "Expected UploadFile"}]})
                file_id = f"file_{len(fake.files) + 1}{fake.prefix}"
                with fake.lock:
                    fake.files[file_id] = part
                self._send(200, {"s3_uri": f"s3://fake/{file_id}_{part[0]}", "presigned_url": f"{fake.origin}/files/{file_id}",
                                 "file_id": file_id, "expires_at": None})

            def do_DELETE(self) -> None:  # noqa: N802
                if self.headers.get("x-api-key") != fake.api_key:
                    return self._send(403, {"detail": "Invalid credentials"})
                with fake.lock:
                    gone = fake.files.pop(self.path.rsplit("/", 1)[-1], None)
                if gone is None:
                    return self._send(404, {"detail": "File not found"})
                self.send_response(204)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                run_id = self.path.rsplit("/", 1)[-1]
                if self.headers.get("x-api-key") != fake.api_key:
                    return self._send(403, {"detail": "Invalid credentials"})
                self._send(200, fake.run_body(run_id, fake.status_of(run_id), output=fake.outputs.get(run_id)))

        return Handler
