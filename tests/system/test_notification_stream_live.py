"""The notification stream under the real server (gunicorn, gthread workers, as ``jobraker
serve`` runs it), over real sockets: a notification reaches a stream that is already open
within moments, without the response being buffered until the stream ends."""

from __future__ import annotations

import threading
import time
from uuid import UUID

import httpx
import pytest

from ..api_helpers import signed_in
from ..live_servers import gunicorn

STREAM = "/api/v1/notifications/stream"


@pytest.fixture
def server():
    with gunicorn() as origin:
        yield origin


def test_a_notification_reaches_an_open_stream_within_moments(jobraker, live_projector, server):
    client, created, _ = signed_in()
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"], "Accept": "text/event-stream"}
    opened, seen = threading.Event(), {}

    def listen() -> None:
        with httpx.stream("GET", f"{server}{STREAM}", headers=headers, timeout=30) as response:
            seen["status"], seen["type"] = response.status_code, response.headers["content-type"]
            received = ""
            for text in response.iter_text():
                opened.set()  # the stream's first chunk (its retry advice) arrived before any event
                received += text
                if "event: notification" in received:
                    seen["at"], seen["text"] = time.monotonic(), received
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(20), "the stream's first bytes never arrived"
    sent_at = time.monotonic()
    jobraker.send_notification(f"live-stream:{created['id']}", UUID(created["id"]), "test", "Live over real sockets.")
    listener.join(20)
    assert (seen["status"], seen["type"]) == (200, "text/event-stream")
    assert '"message":"Live over real sockets."' in seen["text"]
    assert seen["at"] - sent_at < 5.0  # the projector's follow plus one 0.5 s poll, not the 25 s stream
