"""A loopback server speaking OpenAI's chat completions wire format, driven by a script.

The test decides what the "model" does: each request takes the next step of ``script`` —
``Say`` (text and/or tool calls, with usage), ``Fail`` (an HTTP error such as 429 with
retry-after, or a 5xx), or a callable that looks at the request and returns either. Answers
stream as real ``chat.completion.chunk`` events: a role delta, text pieces, tool calls whose
arguments arrive in fragments, the finish reason, a usage-only chunk when
``stream_options.include_usage`` is set, then ``data: [DONE]``. Non-streaming requests get a
``chat.completion`` object."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .loopback import LoopbackServer, QuietHandler


@dataclass
class Say:
    content: str = ""
    # (name, arguments as dict or raw JSON text[, call id]); ids are made up when not given
    tool_calls: list[tuple] = field(default_factory=list)
    prompt_tokens: int = 20
    completion_tokens: int = 10


@dataclass
class Fail:
    status: int
    retry_after_ms: int | None = 10
    code: str | None = None


Step = Say | Fail | Callable[[dict], Say | Fail]


def last_tool_messages(body: dict) -> list[dict]:
    """The tool messages after the last assistant message (what the model reads this round)."""
    messages = body["messages"]
    tail: list[dict] = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        tail.insert(0, message)
    return tail


class FakeOpenAIChat(LoopbackServer):
    def __init__(self, script: list[Step] | None = None, api_key: str = "sk-test-chat", chunk_delay: float = 0.0) -> None:
        self.script: list[Step] = list(script or [])
        self.api_key = api_key
        self.chunk_delay = chunk_delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def next_step(self, body: dict) -> Say | Fail:
        with self.lock:
            step = self.script.pop(0) if self.script else Say("Done.")
        return step(body) if callable(step) else step

    def _handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != "/v1/chat/completions":
                    return self._send(404, _error("Not found", "invalid_request_error"))
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    return self._send(401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))
                body = json.loads(raw)
                with fake.lock:
                    fake.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                step = fake.next_step(body)
                if isinstance(step, Fail):
                    return self._fail(step)
                if body.get("stream"):
                    return self._stream(body, step)
                self._send(200, _completion(body, step))

            def _fail(self, step: Fail) -> None:
                headers = {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
                           "x-ratelimit-reset-requests": "1s"}
                if step.retry_after_ms is not None:
                    headers["retry-after-ms"] = str(step.retry_after_ms)
                    headers["retry-after"] = str(max(1, step.retry_after_ms // 1000))
                if step.status == 429:
                    body = _error("Rate limit reached for requests", "requests", step.code or "rate_limit_exceeded")
                else:
                    body = _error("The server had an error while processing your request.", "server_error", step.code)
                self._send(step.status, body, headers=headers)

            def _stream(self, body: dict, say: Say) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                for chunk in _chunks(body, say, include_usage):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if fake.chunk_delay:
                        time.sleep(fake.chunk_delay)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def _error(message: str, kind: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _arguments(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw)


def _call_id(call: tuple) -> str:
    return call[2] if len(call) > 2 else f"call_{uuid.uuid4().hex[:24]}"


def _usage(say: Say) -> dict:
    return {"prompt_tokens": say.prompt_tokens, "completion_tokens": say.completion_tokens,
            "total_tokens": say.prompt_tokens + say.completion_tokens}


def _completion(body: dict, say: Say) -> dict:
    calls = [{"id": _call_id(call), "type": "function",
              "function": {"name": call[0], "arguments": _arguments(call[1])}} for call in say.tool_calls]
    message = {"role": "assistant", "content": say.content or None, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_loopback",
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": _usage(say)}


def _chunks(body: dict, say: Say, include_usage: bool) -> list[dict]:
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_loopback"}
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra}

    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    chunks += [chunk({"content": piece}) for piece in re.findall(r"\S+\s*|\s+", say.content)]
    for index, call in enumerate(say.tool_calls):
        chunks.append(chunk({"tool_calls": [{"index": index, "id": _call_id(call), "type": "function",
                                             "function": {"name": call[0], "arguments": ""}}]}))
        text = _arguments(call[1])
        chunks += [chunk({"tool_calls": [{"index": index, "function": {"arguments": text[i:i + 7]}}]})
                   for i in range(0, len(text), 7)]
    chunks.append(chunk({}, "tool_calls" if say.tool_calls else "stop"))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": _usage(say)})
    return chunks
