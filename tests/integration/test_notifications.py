"""Relay → Dramatiq (real Redis broker) → actor → notification event → projection → API.

A change made by staff (or by Jobraker itself) notifies the candidate exactly once, even
when the message is delivered twice; the candidate's own changes notify nobody."""

from __future__ import annotations

from uuid import UUID

from jobraker.domain.application import Actor
from jobraker.domain.notification import notification_id

from ..api_helpers import caught_up, signed_in, wait
from ..conftest import relay_from_now, unique_email


def test_staff_change_notifies_the_candidate_once(jobraker, dramatiq_worker, live_projector):
    from jobraker.workers.actors import notify_application_change

    relay = relay_from_now(jobraker)
    client, _, _ = signed_in()
    r = client.post("/api/v1/applications", {"title": "Platform Engineer", "company": "Acme", "applied": True}, format="json")
    app_id = UUID(r.json()["id"])
    client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "schedule_interview", "at": "2026-12-01T10:00:00Z"}, format="json")
    jobraker.move_application(app_id, "record_rejection", Actor.STAFF)

    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    # A redelivered message changes nothing.
    notify_application_change.send(str(app_id), jobraker.get_application(app_id).version, "redelivery")
    dramatiq_worker.join("default", timeout=20_000)

    head = caught_up(jobraker.recorder.max_notification_id())
    results = client.get("/api/v1/notifications", **head).json()["results"]
    assert [n["message"] for n in results] == ["Your application to Platform Engineer at Acme is now rejected."]
    assert results[0]["read_at"] is None

    r = client.post(f"/api/v1/notifications/{results[0]['id']}/read")
    assert r.status_code == 200
    assert client.get("/api/v1/notifications", {"unread": "true"}, **wait(client, r)).json()["results"] == []


def test_notification_events_carry_the_request_correlation(jobraker, dramatiq_worker):
    from jobraker.eventstore.context import caused_by

    relay = relay_from_now(jobraker)
    candidate_id, _ = jobraker.register_candidate(unique_email("corr"), "Corr", "h")
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email("corr"), title="T", company="C")
    app_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    with caused_by("staff-request-42", actor="staff"):
        jobraker.move_application(app_id, "withdraw", Actor.STAFF)
    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    sent = jobraker.recorder.select_events(notification_id(f"application:{app_id}:2"))
    assert len(sent) == 1
    meta = jobraker.mapper.metadata_of(sent[0])
    assert meta["correlation_id"] == "staff-request-42" and meta["causation_id"] == f"{app_id}:2"


def test_a_candidate_cannot_read_anothers_notification(jobraker, live_projector):
    _, created, _ = signed_in()
    jobraker.send_notification("test:cross", UUID(created["id"]), "test", "secret message")
    other, _, _ = signed_in()
    assert other.post(f"/api/v1/notifications/{notification_id('test:cross')}/read").status_code == 404
