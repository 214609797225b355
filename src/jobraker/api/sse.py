"""Server-sent events: the wire format and a streaming response that holds a thread, not a worker.

Streams are bounded (``STREAM_SECONDS``): the browser's ``EventSource`` reconnects on its
own and sends ``Last-Event-ID``, so a long-lived connection costs one short request at a
time and a redeploy never strands a client. gunicorn runs threaded workers for this.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

STREAM_SECONDS = 25.0
KEEPALIVE_SECONDS = 10.0
RECONNECT_MS = 2000


class EventStreamRenderer(BaseRenderer):
    """Lets a client that accepts only text/event-stream (EventSource) reach a streaming view;
    errors before the stream starts are still JSON (problem+json)."""

    media_type = "text/event-stream"
    format = "sse"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data)


def sse_event(data: Any, *, event: str | None = None, id: str | None = None) -> bytes:
    """One event in the text/event-stream format; ``data`` is sent as JSON."""
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), default=str)
    lines.extend(f"data: {line}" for line in payload.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode()


def sse_comment(text: str = "keep-alive") -> bytes:
    return f": {text}\n\n".encode()


class EventStreamResponse(StreamingHttpResponse):
    """A text/event-stream response; proxies are told not to buffer it."""

    def __init__(self, events: Iterable[bytes]) -> None:
        super().__init__(self._with_retry(events), content_type="text/event-stream")
        if hasattr(events, "close"):  # closed with the response even if it was never iterated
            self._resource_closers.append(events.close)
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"

    @staticmethod
    def _with_retry(events: Iterable[bytes]) -> Iterator[bytes]:
        yield f"retry: {RECONNECT_MS}\n\n".encode()
        yield from events


def poll_stream(
    fetch: Callable[[], list[bytes]],
    *,
    interval: float = 0.5,
    seconds: float = STREAM_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bytes]:
    """Yield what ``fetch`` returns each ``interval`` until ``seconds`` pass, with keep-alives."""
    deadline = clock() + seconds
    last_sent = clock()
    while clock() < deadline:
        events = fetch()
        if events:
            yield from events
            last_sent = clock()
        elif clock() - last_sent >= KEEPALIVE_SECONDS:
            yield sse_comment()
            last_sent = clock()
        time.sleep(interval)
