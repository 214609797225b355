"""Apply now (issue 14, item 6): a candidate asks Jobraker to apply to a chosen application
(POST /applications/{id}/apply) or listing (POST /jobs/{id}/apply), through the same consent,
payload, approval and at-most-once path as an automatic match. Tracked jobs never. Every
endpoint: anonymous 401, owner, another candidate 404, staff and auditors 403."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.appliers.submit import submit
from jobraker.domain.application import Actor, Status, application_id
from jobraker.eventstore.app import get_jobraker

from ..api_helpers import caught_up, operator, signed_in, wait
from ..conftest import unique_email
from ..fakes.skyvern_server import FakeSkyvern

HOOK = "http://127.0.0.1:8000/api/v1/webhooks/skyvern"
AUTOMATION = "/api/v1/candidates/me/automation"


def set_mode(client: APIClient, mode: str, consent: bool = True) -> None:
    if consent:
        r = client.post("/api/v1/candidates/me/consents", {"kind": "auto_apply", "version": "2026-01"}, format="json")
        assert r.status_code == 200, r.content
    r = client.put(AUTOMATION, {"mode": mode, "strategy": "balanced"}, format="json")
    assert r.status_code == 200, r.content


def listing(company: str = "Acme") -> UUID:
    job_id, _ = get_jobraker().post_job(source="test", external_id=unique_email(), title="Django developer",
                                        company=company, url="https://jobs.example.org/apply/now")
    return job_id


def shortlisted(candidate_id: str, company: str = "Acme") -> str:
    """A listing the candidate shortlisted (as POST /candidates/me/matches/{id}/shortlist records it)."""
    app_id, _ = get_jobraker().shortlist_match(UUID(candidate_id), listing(company), 88, "test-model",
                                               {"matched_skills": ["Django"]}, Actor.CANDIDATE)
    return str(app_id)


def apply(client: APIClient, app_id: str):
    return client.post(f"/api/v1/applications/{app_id}/apply")


def detail(client: APIClient, app_id: str, position: int) -> dict:
    r = client.get(f"/api/v1/applications/{app_id}", **caught_up(position))
    assert r.status_code == 200, r.content
    return r.json()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        full, full_created, _ = signed_in(name="Full Mode")
        approve, approve_created, _ = signed_in(name="Approve Mode")
        other, other_created, _ = signed_in(name="Other Person")
        set_mode(full, "full")
        set_mode(approve, "approve")
        set_mode(other, "full")
        return SimpleNamespace(
            full=full, full_id=full_created["id"], approve=approve, approve_id=approve_created["id"],
            other=other, other_id=other_created["id"], staff=operator(Role.STAFF), auditor=operator(Role.AUDITOR),
            anonymous=APIClient(),
        )


@pytest.fixture
def skyvern():
    with FakeSkyvern() as server:
        yield server


def test_full_mode_queues_it_and_it_is_sent_exactly_once(world, skyvern):
    app_id = shortlisted(world.full_id)
    r = apply(world.full, app_id)
    assert r.status_code == 200, r.content
    body = detail(world.full, app_id, r.json()["position"])
    assert body["status"] == "queued"
    assert [(e["action"], e["by"]) for e in body["timeline"]][-1] == ("apply_now", "candidate")
    # The same at-most-once path as any queued application: a redelivered message sends nothing.
    applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
    jobraker = get_jobraker()
    assert submit(jobraker, UUID(app_id), applier, HOOK).startswith("sent as")
    assert submit(jobraker, UUID(app_id), applier, HOOK).startswith("nothing to do")
    assert len(skyvern.tasks) == 1 and skyvern.tasks[0]["url"] == "https://jobs.example.org/apply/now"
    # Asking again once it is on its way is refused, naming the state.
    again = apply(world.full, app_id)
    assert again.status_code == 409 and "submitting" in again.json()["detail"]


def test_approve_mode_prepares_it_for_approval_and_sends_what_was_shown(world, skyvern):
    app_id = shortlisted(world.approve_id)
    r = apply(world.approve, app_id)
    assert r.status_code == 200, r.content
    body = detail(world.approve, app_id, r.json()["position"])
    assert body["status"] == "pending_approval"
    prepared = body["prepared_submission"]
    assert prepared["state"] == "awaiting" and prepared["automation"]["apply_now"] is True
    assert prepared["payload"]["url"] == "https://jobs.example.org/apply/now"
    applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
    assert submit(get_jobraker(), UUID(app_id), applier, HOOK) == "nothing to do: the application is pending_approval"
    r = world.approve.post(f"/api/v1/applications/{app_id}/approve")
    assert r.status_code == 200, r.content
    assert submit(get_jobraker(), UUID(app_id), applier, HOOK).startswith("sent as")
    assert [task["prompt"] for task in skyvern.tasks] == [prepared["payload"]["prompt"]]  # word for word


@pytest.mark.parametrize(("mode", "consent", "says"), [
    ("suggest", True, "suggest mode"), ("off", False, "off mode"),
])
def test_a_mode_that_sends_nothing_refuses_it(live_projector, mode, consent, says):
    client, created, _ = signed_in()
    set_mode(client, mode, consent)
    app_id = shortlisted(created["id"])
    r = apply(client, app_id)
    assert r.status_code == 409 and says in r.json()["detail"]
    assert get_jobraker().get_application(UUID(app_id)).status is Status.SHORTLISTED


def test_an_unverified_address_refuses_it(live_projector):
    client, created, _ = signed_in(verified=False)
    app_id = shortlisted(created["id"])
    jobraker = get_jobraker()
    jobraker.give_consent(UUID(created["id"]), "auto_apply", "2026-01")
    r = apply(client, app_id)
    assert r.status_code == 409
    assert jobraker.get_application(UUID(app_id)).status is Status.SHORTLISTED


def test_a_tracked_job_is_never_applied_to(world):
    r = world.full.post("/api/v1/applications", {"title": "Hydrographer", "company": "Tidewater",
                                                 "url": "https://jobs.example.org/tidewater", "applied": False}, format="json")
    app_id = r.json()["id"]
    tracked_job = detail(world.full, app_id, r.json()["position"])["job_id"]
    refused = apply(world.full, app_id)
    assert refused.status_code == 409 and "track yourself" in refused.json()["detail"]
    assert world.full.post(f"/api/v1/jobs/{tracked_job}/apply").status_code == 404
    assert world.other.post(f"/api/v1/jobs/{tracked_job}/apply").status_code == 404
    assert get_jobraker().get_application(UUID(app_id)).status is Status.SHORTLISTED


def test_an_expired_listing_is_refused(world):
    app_id = shortlisted(world.full_id)
    jobraker = get_jobraker()
    jobraker.expire_job(jobraker.get_application(UUID(app_id)).job_id)
    r = apply(world.full, app_id)
    assert r.status_code == 409 and "expired" in r.json()["detail"]


def test_apply_to_a_listing_by_its_id(world, skyvern):
    staff = world.staff
    r = staff.post("/api/v1/jobs", {"external_id": unique_email(), "title": "Django developer", "company": "Initech",
                                    "url": "https://jobs.example.org/initech", "description": "Python and Django"},
                   format="json")
    assert r.status_code == 201, r.content
    job_id = r.json()["id"]
    r = world.full.post(f"/api/v1/jobs/{job_id}/apply", **wait(world.full, r))
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    assert app_id == str(application_id(UUID(world.full_id), UUID(job_id)))
    body = detail(world.full, app_id, r.json()["position"])
    assert body["status"] == "queued" and body["source"] == "matched"
    assert [(e["action"], e["by"]) for e in body["timeline"]] == [("start", "candidate"), ("apply_now", "candidate")]
    # Once on its way, a second request for the same listing is refused (one application per job).
    again = world.full.post(f"/api/v1/jobs/{job_id}/apply")
    assert again.status_code == 409 and "queued" in again.json()["detail"]
    # The other candidate applies to the same listing: their own application, nothing shared.
    theirs = world.other.post(f"/api/v1/jobs/{job_id}/apply")
    assert theirs.status_code == 201 and theirs.json()["id"] != app_id


def test_authorization(world):
    app_id = shortlisted(world.full_id)
    job_id = listing()
    for client, expected in ((world.anonymous, 401), (world.staff, 403), (world.auditor, 403), (world.other, 404)):
        assert apply(client, app_id).status_code == expected
    for client, expected in ((world.anonymous, 401), (world.staff, 403), (world.auditor, 403)):
        assert client.post(f"/api/v1/jobs/{job_id}/apply").status_code == expected
    assert world.other.post(f"/api/v1/applications/{app_id}/apply").json()["detail"] == \
        world.other.post("/api/v1/applications/00000000-0000-0000-0000-000000000000/apply").json()["detail"]
    assert get_jobraker().get_application(UUID(app_id)).status is Status.SHORTLISTED  # nobody else moved it
    assert apply(world.full, app_id).status_code == 200


def test_the_schema_documents_both_endpoints(live_projector):
    client, _, _ = signed_in()
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "post" in paths["/api/v1/applications/{id}/apply"]
    assert "post" in paths["/api/v1/jobs/{id}/apply"]
    assert "at-most-once" in paths["/api/v1/jobs/{id}/apply"]["post"]["description"]

