"""The staff admin: read-only read models, a stream viewer, and staff actions that go through
domain commands."""

from __future__ import annotations

from uuid import UUID

from django.test import Client

from jobraker.accounts.models import Account, Role
from jobraker.domain.application import Status

from ..api_helpers import PASSWORD, caught_up, signed_in
from ..conftest import unique_email


def staff_browser() -> Client:
    browser = Client()
    browser.force_login(Account.objects.create_user(unique_email("admin"), PASSWORD, role=Role.STAFF, is_staff=True))
    return browser


def test_read_models_and_the_stream_viewer(jobraker, live_projector):
    client, created, email = signed_in(name="Admin Viewed")
    r = client.post("/api/v1/applications", {"title": "Viewed", "company": "Acme", "applied": False}, format="json")
    caught_up(int(r["X-Event-Position"]))
    browser = staff_browser()
    for path in ("/admin/", "/admin/projections/candidaterecord/", "/admin/projections/applicationrecord/",
                 "/admin/projections/jobrecord/", "/admin/projections/notificationrecord/"):
        assert browser.get(path).status_code == 200, path
    assert email in browser.get("/admin/projections/candidaterecord/", {"q": email}).content.decode()
    assert browser.get("/admin/projections/candidaterecord/add/").status_code == 403
    stream = browser.get(f"/admin/streams/{created['id']}/").content.decode()
    assert "Candidate.Registered" in stream and "Admin Viewed" in stream


def test_staff_actions_are_domain_commands(jobraker, live_projector):
    client, _, _ = signed_in()
    r = client.post("/api/v1/applications", {"title": "To withdraw", "company": "Acme", "applied": False}, format="json")
    app_id = r.json()["id"]
    caught_up(int(r["X-Event-Position"]))
    response = staff_browser().post(
        "/admin/projections/applicationrecord/", {"action": "withdraw", "_selected_action": [app_id]}
    )
    assert response.status_code == 302
    application = jobraker.get_application(UUID(app_id))
    assert application.status is Status.WITHDRAWN
    assert jobraker.mapper.metadata_of(jobraker.recorder.select_events(UUID(app_id))[-1])["actor"] == "staff"


def test_candidates_and_anonymous_are_kept_out():
    assert Client().get("/admin/projections/candidaterecord/").status_code == 302
    candidate = Client()
    candidate.force_login(Account.objects.create_user(unique_email(), PASSWORD, role=Role.CANDIDATE))
    assert candidate.get("/admin/projections/candidaterecord/").status_code == 302
    assert candidate.get("/admin/streams/00000000-0000-0000-0000-000000000000/").status_code == 302


def test_operations_dashboard_and_rebuild(jobraker, live_projector):
    browser = staff_browser()
    page = browser.get("/admin/operations/")
    assert page.status_code == 200
    text = page.content.decode()
    for needle in ("Adzuna quota", "minute", "Projections", "candidates", "Queues", "Applications per status"):
        assert needle in text, needle
    rebuilt = browser.post("/admin/operations/", {"rebuild": "jobs"}, follow=True)
    assert "jobs rebuilt from" in rebuilt.content.decode()
    assert "No projection named" in browser.post("/admin/operations/", {"rebuild": "nope"}, follow=True).content.decode()
    assert Client().get("/admin/operations/").status_code == 302
