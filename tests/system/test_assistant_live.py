"""The assistant under the real server: gunicorn with its gthread workers (``jobraker serve``'s
configuration), over real sockets. Tokens reach the client while the model is still writing,
and two streams of one conversation at once make one model call, both getting its answer."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from ..api_helpers import signed_in
from ..assistant_helpers import CONVERSATIONS, parse_sse
from ..fakes.openai_chat_server import FakeOpenAIChat, Say
from ..live_servers import gunicorn

ANSWER = "Three listings match your Django skills in London this week."


@pytest.fixture
def model():
    with FakeOpenAIChat([Say(ANSWER)], chunk_delay=0.12) as fake:
        yield fake


@pytest.fixture
def server(model):
    with gunicorn({"OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": model.api_key,
                   "JOBRAKER_CHAT_MODEL": "gpt-loopback"}) as origin:
        yield origin


def read_stream(origin: str, headers: dict, conversation_id: str) -> list[tuple[float, str, dict]]:
    """Each event with the moment it arrived."""
    arrived = []
    with httpx.stream("GET", f"{origin}{CONVERSATIONS}/{conversation_id}/stream",
                      headers={**headers, "Accept": "text/event-stream"}, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        buffer = ""
        for text in response.iter_text():
            buffer += text
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                for kind, data in parse_sse(block + "\n\n"):
                    arrived.append((time.monotonic(), kind, data))
    return arrived


def test_tokens_stream_through_gunicorn_as_the_model_writes_them(live_projector, server, model):
    client, _, _ = signed_in()
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}
    started = httpx.post(f"{server}{CONVERSATIONS}", json={"title": "Live"}, headers=headers, timeout=30)
    assert started.status_code == 201, started.text
    conversation_id = started.json()["id"]
    posted = httpx.post(f"{server}{CONVERSATIONS}/{conversation_id}/messages", json={"content": "Anything new?"},
                        headers=headers, timeout=30)
    assert posted.status_code == 202

    results: list[list[tuple[float, str, dict]]] = []
    readers = [threading.Thread(target=lambda: results.append(read_stream(server, headers, conversation_id)))
               for _ in range(2)]
    for reader in readers:
        reader.start()
        time.sleep(0.3)  # the second joins while the first is being answered
    for reader in readers:
        reader.join(timeout=90)

    assert len(results) == 2 and len(model.requests) == 1  # one model call for both streams
    live, waiting = results if any(k == "token" for _, k, _ in results[0]) else results[::-1]
    tokens = [(at, data["text"]) for at, kind, data in live if kind == "token"]
    assert "".join(text for _, text in tokens) == ANSWER
    done_at = next(at for at, kind, _ in live if kind == "done")
    # The first words arrived well before the model finished: streamed, not buffered.
    assert done_at - tokens[0][0] > 0.6
    assert len({round(at, 2) for at, _ in tokens}) > 4
    assert [data["content"] for _, kind, data in waiting if kind == "message"] == [ANSWER]
    detail = httpx.get(f"{server}{CONVERSATIONS}/{conversation_id}", headers=headers, timeout=30).json()
    assert [m["content"] for m in detail["messages"]] == ["Anything new?", ANSWER]
