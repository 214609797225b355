"""The live stream of a candidate's notifications (server-sent events): the owner sees their
new notifications as they arrive and resumes with Last-Event-ID; nobody else sees them."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.api.delivery_views import NotificationStreamView
from jobraker.domain.notification import notification_id
from jobraker.projections.models import NotificationRecord

from ..api_helpers import caught_up, operator, signed_in

STREAM = "/api/v1/notifications/stream"


@pytest.fixture(autouse=True)
def short_streams(monkeypatch):
    monkeypatch.setattr(NotificationStreamView, "stream_seconds", 1.0)


def _events(response) -> list[dict[str, str]]:
    """The stream's events, each as its fields (id, event, data)."""
    text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if re.match(r"^(id|event|data): ", line))
        if "data" in fields:
            events.append(fields)
    return events


def _send(jobraker, candidate_id: UUID, cause: str, message: str) -> int:
    position = jobraker.send_notification(cause, candidate_id, "test", message, "/api/v1/somewhere")
    caught_up(position)
    return NotificationRecord.objects.get(id=notification_id(cause)).position


def test_the_owner_sees_new_notifications_as_they_arrive_and_resumes_after_a_reconnect(jobraker, live_projector):
    client, created, _ = signed_in()
    candidate_id = UUID(created["id"])
    _send(jobraker, candidate_id, f"stream:{candidate_id}:old", "Before the stream opened.")

    response = client.get(STREAM, HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream" and {"no-cache", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    first = _send(jobraker, candidate_id, f"stream:{candidate_id}:1", "First news.")
    events = _events(response)
    assert [e["event"] for e in events] == ["notification"]
    assert '"message":"First news."' in events[0]["data"] and events[0]["id"] == str(first)

    # Two more arrive while the client is away; it reconnects with the last id it saw.
    _send(jobraker, candidate_id, f"stream:{candidate_id}:2", "Second news.")
    _send(jobraker, candidate_id, f"stream:{candidate_id}:3", "Third news.")
    resumed = _events(client.get(STREAM, HTTP_LAST_EVENT_ID=str(first)))
    assert [re.search(r'"message":"([^"]+)"', e["data"]).group(1) for e in resumed] == ["Second news.", "Third news."]
    assert int(resumed[0]["id"]) < int(resumed[1]["id"])


def test_another_candidate_never_sees_them(jobraker, live_projector):
    _, created, _ = signed_in()
    _send(jobraker, UUID(created["id"]), f"stream:{created['id']}:secret", "Owner's secret news.")
    other, _, _ = signed_in()
    events = _events(other.get(STREAM, HTTP_LAST_EVENT_ID="0"))  # from the very start of the log
    assert all("Owner's secret news." not in e["data"] for e in events)


def test_anonymous_and_staff_are_refused_and_a_bad_last_event_id_is_a_clear_error(live_projector):
    assert APIClient().get(STREAM).status_code == 401
    assert operator(Role.STAFF).get(STREAM).status_code == 403
    owner, _, _ = signed_in()
    bad = owner.get(STREAM, HTTP_LAST_EVENT_ID="yesterday")
    assert bad.status_code == 400
    assert "Last-Event-ID" in bad.json()["detail"]
