"""Shared by the assistant tests: a loopback chat model wired in through the environment,
and a reader for server-sent events."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .fakes.openai_chat_server import FakeOpenAIChat

CONVERSATIONS = "/api/v1/assistant/conversations"


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables and re-read the settings; restore after."""
    from jobraker.config import get_settings

    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


@contextmanager
def chat_model(fake: FakeOpenAIChat | None = None, **settings: str) -> Iterator[FakeOpenAIChat]:
    """A running loopback model that Jobraker's assistant is configured to use."""
    fake = fake or FakeOpenAIChat()
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": fake.api_key, "JOBRAKER_CHAT_MODEL": "gpt-loopback",
           "JOBRAKER_CHAT_MAX_RETRIES": "2", **settings}
    with fake, environment(**env):
        yield fake


def events_of(response: Any) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a text/event-stream response from the test client."""
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response["Content-Type"].startswith("text/event-stream")
    return parse_sse(b"".join(response.streaming_content).decode())


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        kind, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                data.append(line[len("data: "):])
        if kind:
            events.append((kind, json.loads("\n".join(data))))
    return events


def of_kind(events: list[tuple[str, dict]], kind: str) -> list[dict]:
    return [data for name, data in events if name == kind]


def start(client: Any, title: str = "Job hunt") -> str:
    r = client.post(CONVERSATIONS, {"title": title}, format="json")
    assert r.status_code == 201, r.content
    return r.json()["id"]


def ask(client: Any, conversation_id: str, text: str) -> list[tuple[str, dict]]:
    """Post a message and read the streamed answer."""
    posted = client.post(f"{CONVERSATIONS}/{conversation_id}/messages", {"content": text}, format="json")
    assert posted.status_code == 202, posted.content
    return events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream"))
