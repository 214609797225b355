"""No resource can be held by one caller: the read-your-writes wait only for authenticated
callers and only for positions the log has reached; caps on open streams per candidate and per
server process; per-candidate quotas on exports, alerts, conversations and semantic search."""

from __future__ import annotations

import threading
import time

import pytest
from rest_framework.test import APIClient

from jobraker.api import stream_limits

from ..api_helpers import PASSWORD, signed_in
from ..assistant_helpers import CONVERSATIONS, chat_model, environment, start
from ..conftest import unique_email

HUGE = "9" * 18
STREAM = "/api/v1/notifications/stream"


def test_anonymous_requests_with_a_huge_position_answer_at_once():
    """The attack as reported: 64 anonymous requests with a huge X-Min-Position (each once waited 2 s)."""
    client = APIClient()
    started = time.monotonic()
    statuses = {client.get("/api/v1/candidates/me", HTTP_X_MIN_POSITION=HUGE).status_code for _ in range(64)}
    assert statuses == {401}
    assert time.monotonic() - started < 30.0  # 64 × the 2 s wait would be over two minutes


@pytest.mark.parametrize("position", [HUGE, "12abc", "-1", "1" * 20])
def test_a_position_the_log_has_not_reached_is_refused_without_waiting(live_projector, position):
    client, _, _ = signed_in()
    started = time.monotonic()
    response = client.get("/api/v1/candidates/me", HTTP_X_MIN_POSITION=position)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "X-Min-Position" in response.json()["detail"]
    assert time.monotonic() - started < 1.0


def test_a_real_position_still_reads_the_write(live_projector):
    client, _, _ = signed_in()
    r = client.patch("/api/v1/candidates/me/profile", {"headline": "Read your writes"}, format="json")
    read = client.get("/api/v1/candidates/me", HTTP_X_MIN_POSITION=r["X-Event-Position"])
    assert read.status_code == 200 and read.json()["profile"]["headline"] == "Read your writes"


def test_login_waits_only_for_a_real_position(live_projector):
    email = unique_email()
    started = time.monotonic()
    r = APIClient().post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json",
                         HTTP_X_MIN_POSITION=HUGE)
    assert r.status_code == 400 and time.monotonic() - started < 1.0


def open_stream(client: APIClient):
    return client.get(STREAM, HTTP_ACCEPT="text/event-stream")


def test_a_candidate_holds_at_most_three_streams(live_projector):
    owner, _, _ = signed_in()
    other, _, _ = signed_in()
    held = [open_stream(owner) for _ in range(3)]
    try:
        assert [r.status_code for r in held] == [200, 200, 200]
        refused = open_stream(owner)
        assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
        assert "Retry-After" in refused and "3 streams" in refused.json()["detail"]
        theirs = open_stream(other)  # another candidate is not affected
        assert theirs.status_code == 200
        theirs.close()
        held.pop().close()  # closing one (the client went away) frees its slot at once
        held.append(open_stream(owner))
        assert held[-1].status_code == 200
    finally:
        for response in held:
            response.close()


def test_streams_hold_at_most_a_share_of_a_servers_threads(live_projector, monkeypatch):
    assert stream_limits.process_stream_limit() == 8  # half of gunicorn_conf's 16 threads
    monkeypatch.setattr(stream_limits, "_process_slots", threading.BoundedSemaphore(2))
    first, _, _ = signed_in()
    second, _, _ = signed_in()
    held = [open_stream(first), open_stream(first)]
    try:
        refused = open_stream(second)
        assert refused.status_code == 429 and "server" in refused.json()["detail"]
        assert open_stream(first).status_code == 429  # and the refused candidate's slot was given back:
        held.pop().close()
        held.append(open_stream(second))
        assert held[-1].status_code == 200
    finally:
        for response in held:
            response.close()


def test_assistant_streams_share_the_candidate_cap(live_projector):
    owner, _, _ = signed_in()
    with chat_model(), environment(JOBRAKER_STREAMS_PER_CANDIDATE="1"):
        conversation_id = start(owner)
        notifications = open_stream(owner)
        try:
            answer = owner.get(f"{CONVERSATIONS}/{conversation_id}/stream")
            assert answer.status_code == 429
        finally:
            notifications.close()
        answer = owner.get(f"{CONVERSATIONS}/{conversation_id}/stream")
        assert answer.status_code == 200
        answer.close()


def statuses(calls) -> list[int]:
    return [call().status_code for call in calls]


def test_exports_are_limited_per_candidate(live_projector):
    owner, _, _ = signed_in()
    made = statuses([lambda: owner.post("/api/v1/candidates/me/exports")] * 11)
    assert made[:10] == [202] * 10 and made[10] == 429


def test_alert_creation_is_limited_per_candidate_but_reading_is_not(live_projector):
    owner, _, _ = signed_in()
    other, _, _ = signed_in()
    create = lambda client: client.post("/api/v1/alerts", {"name": "Go", "criteria": {"keywords": ["go"]}}, format="json")  # noqa: E731
    made = statuses([lambda: create(owner)] * 31)
    assert set(made[:30]) == {201} and made[30] == 429
    assert owner.get("/api/v1/alerts").status_code == 200
    assert create(other).status_code == 201


def test_conversation_creation_is_limited_per_candidate(live_projector):
    owner, _, _ = signed_in()
    with chat_model():
        made = statuses([lambda: owner.post(CONVERSATIONS, {"title": "x"}, format="json")] * 31)
        assert set(made[:30]) == {201} and made[30] == 429
        assert owner.get(CONVERSATIONS).status_code == 200


def test_semantic_search_is_limited_per_caller(live_projector):
    owner, _, _ = signed_in()
    made = statuses([lambda: owner.get("/api/v1/jobs/semantic", {"q": "python developer"})] * 31)
    assert set(made[:30]) == {200} and made[30] == 429
