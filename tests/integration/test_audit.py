"""Auditor replay: any stream's events with who and why, and state as of a version or time."""

from __future__ import annotations

from uuid import UUID

from jobraker.accounts.models import Role

from ..api_helpers import operator, signed_in


def test_auditor_reads_history_and_past_state(jobraker, live_projector):
    client, created, email = signed_in(name="Audited", verified=False)
    client.patch("/api/v1/candidates/me/profile", {"headline": "First"}, format="json", HTTP_X_REQUEST_ID="req-first")
    client.patch("/api/v1/candidates/me/profile", {"headline": "Second"}, format="json")
    auditor = operator(Role.AUDITOR)
    stream = f"/api/v1/audit/streams/{created['id']}"

    events = auditor.get(f"{stream}/events").json()["events"]
    assert [e["type"] for e in events] == ["Candidate.Registered", "Candidate.ProfileChanged", "Candidate.ProfileChanged"]
    assert events[1]["correlation_id"] == "req-first" and events[1]["actor"] == "candidate"
    assert events[0]["data"]["email"] == email

    past = auditor.get(f"{stream}/state", {"version": 2}).json()
    assert past["version"] == 2 and past["state"]["profile"]["headline"] == "First"
    now = auditor.get(f"{stream}/state").json()
    assert now["state"]["profile"]["headline"] == "Second"
    before = auditor.get(f"{stream}/state", {"at": "2000-01-01T00:00:00Z"})
    assert before.status_code == 404

    jobraker.mapper.keyring.destroy(UUID(created["id"]))
    erased = auditor.get(f"{stream}/events").json()["events"]
    assert erased[0]["data"]["email"] == "<erased>" and erased[0]["type"] == "Candidate.Registered"


def test_only_auditors_and_staff_replay(live_projector):
    client, created, _ = signed_in()
    assert client.get(f"/api/v1/audit/streams/{created['id']}/events").status_code == 403
    assert operator(Role.STAFF).get(f"/api/v1/audit/streams/{created['id']}/events").status_code == 200
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/audit/streams/{created['id']}/events").status_code == 401


def test_staff_and_auditor_reads_are_recorded_as_events(jobraker, live_projector):
    from eventsourcing.utils import get_topic

    from jobraker.domain.access import DataAccess

    _, created, _ = signed_in()
    before = jobraker.recorder.max_notification_id()
    auditor = operator(Role.AUDITOR)
    auditor.get(f"/api/v1/audit/streams/{created['id']}/events")
    operator(Role.STAFF).get(f"/api/v1/candidates/{created['id']}")
    recorded = [
        jobraker.mapper.to_domain_event(n)
        for n in jobraker.recorder.select_notifications(start=before + 1, limit=100, topics=[get_topic(DataAccess.Recorded)])
    ]
    mine = [e for e in recorded if str(e.subject_id) == created["id"]]
    assert [(e.role, e.what.split(" ")[0]) for e in mine] == [("auditor", "events"), ("staff", "candidate")]
