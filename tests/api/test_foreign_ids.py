"""Every detail endpoint answers an id of another aggregate type, or another candidate's id,
exactly as it answers a random uuid: the same status and body, so nothing tells the caller
that the id exists. (An application endpoint given a job's or a candidate's id loaded that
aggregate and failed on it: a 500 that also revealed the id exists.)"""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.domain.notification_settings import notification_settings_id
from jobraker.eventstore.app import get_jobraker
from jobraker.privacy.models import DataExport

from ..api_helpers import caught_up, operator, signed_in, wait

ROLES = ("anonymous", "owner", "other", "auditor", "staff")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        owner, created, _ = signed_in(name="Owner")
        other, _, _ = signed_in(name="Other")
        staff = operator(Role.STAFF)
        owner_id = UUID(created["id"])
        r = staff.post("/api/v1/jobs", {"external_id": f"foreign-{uuid4()}", "title": "Django developer", "company": "Acme"}, format="json")
        job_id = r.json()["id"]
        r = owner.post("/api/v1/applications", {"job_id": job_id}, format="json", **wait(owner, r))
        assert r.status_code == 201, r.content
        application_id = r.json()["id"]
        # A keyword no other test's job has: the shared database's other alert tests count matches.
        r = owner.post("/api/v1/alerts", {"name": "Django", "criteria": {"keywords": [f"foreign-{uuid4().hex}"]}}, format="json")
        assert r.status_code == 201, r.content
        alert_id = r.json()["id"]
        assert owner.patch("/api/v1/notifications/settings", {"daily_digest": False}, format="json").status_code == 200
        # A job the owner found elsewhere: their private record, not a listing.
        r = owner.post("/api/v1/applications", {"title": "Private role", "company": "Elsewhere Ltd"}, format="json")
        assert r.status_code == 201, r.content
        tracked_job_id = owner.get(f"/api/v1/applications/{r.json()['id']}", **wait(owner, r)).json()["job_id"]
        jobraker = get_jobraker()
        position = jobraker.send_notification(f"foreign-ids:{owner_id}", owner_id, "test", "Hello Owner")
        notification_id = next(
            n["id"] for n in owner.get("/api/v1/notifications", **caught_up(position)).json()["results"]
        )
        conversation_id, _ = jobraker.start_conversation(owner_id, "Owner's chat")
        r = owner.post("/api/v1/candidates/me/exports")
        assert r.status_code == 202, r.content
        export_id = r.json()["id"]
        owner.get("/api/v1/applications", **wait(owner, r))
        ids = {
            "candidate": str(owner_id), "job": job_id, "application": application_id, "alert": alert_id,
            "notification": notification_id, "conversation": str(conversation_id), "export": export_id,
            "notification settings": str(notification_settings_id(owner_id)),
            "tracked job": tracked_job_id,
        }
        clients = {"anonymous": APIClient(), "owner": owner, "other": other, "auditor": operator(Role.AUDITOR), "staff": staff}
        return SimpleNamespace(clients=clients, ids=ids)


# (method, path, body, the kind of id the endpoint is about)
ENDPOINTS = [
    ("get", "/api/v1/candidates/{id}", None, "candidate"),
    ("post", "/api/v1/candidates/{id}/erasure", None, "candidate"),
    ("post", "/api/v1/candidates/{id}/exports", None, "candidate"),
    ("get", "/api/v1/exports/{id}", None, "export"),
    ("get", "/api/v1/exports/{id}/download", None, "export"),
    ("get", "/api/v1/jobs/{id}", None, "job"),
    ("get", "/api/v1/jobs/{id}/match", None, "job"),
    ("post", "/api/v1/candidates/me/matches/{id}/shortlist", None, "job"),
    ("post", "/api/v1/jobs/{id}/apply", None, "job"),
    ("get", "/api/v1/applications/{id}", None, "application"),
    ("post", "/api/v1/applications/{id}/transitions", {"action": "withdraw"}, "application"),
    ("post", "/api/v1/applications/{id}/notes", {"text": "hello"}, "application"),
    ("post", "/api/v1/applications/{id}/approve", None, "application"),
    ("post", "/api/v1/applications/{id}/reject", None, "application"),
    ("post", "/api/v1/applications/{id}/apply", None, "application"),
    ("post", "/api/v1/notifications/{id}/read", None, "notification"),
    ("get", "/api/v1/alerts/{id}", None, "alert"),
    ("patch", "/api/v1/alerts/{id}", {"name": "renamed"}, "alert"),
    ("delete", "/api/v1/alerts/{id}", None, "alert"),
    ("get", "/api/v1/assistant/conversations/{id}", None, "conversation"),
    ("post", "/api/v1/assistant/conversations/{id}/messages", {"content": "hi"}, "conversation"),
    ("get", "/api/v1/assistant/conversations/{id}/stream", None, "conversation"),
    ("post", "/api/v1/assistant/conversations/{id}/confirmations/00000000-0000-0000-0000-000000000001", None, "conversation"),
    ("delete", "/api/v1/assistant/conversations/{id}/confirmations/00000000-0000-0000-0000-000000000001", None, "conversation"),
]
# Listings are jobs anyone signed in may read, so only other kinds of id (and another's
# tracked job) are foreign to the job endpoints.
PUBLIC_KINDS = {"job"}


def call(client: APIClient, method: str, path: str, body: dict | None, id_: str):
    url = path.format(id=id_)
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


def answer(response) -> tuple[int, str, dict]:
    body = response.json() if response["Content-Type"].endswith("json") else {"raw": response.content.decode()}
    body.pop("instance", None)  # the request's own path
    return response.status_code, response["Content-Type"], body


def foreign_ids(world, role: str, kind: str) -> dict[str, str]:
    """Ids the role must not learn anything about through this endpoint."""
    foreign = {k: v for k, v in world.ids.items() if k != kind}
    if role == "other" and kind not in PUBLIC_KINDS:
        foreign[f"owner's {kind}"] = world.ids[kind]
    if role == "owner" and kind == "job":
        del foreign["tracked job"]  # the owner's own job; to everyone else it does not exist
    return foreign


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "kind"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_a_foreign_id_answers_like_a_random_one(world, role, method, path, body, kind):
    client = world.clients[role]
    unknown = answer(call(client, method, path, body, str(uuid4())))
    assert 400 <= unknown[0] < 500 and unknown[1] == "application/problem+json", unknown
    for name, id_ in foreign_ids(world, role, kind).items():
        assert answer(call(client, method, path, body, id_)) == unknown, f"{role} with the {name} id"


@pytest.mark.parametrize("role", ("anonymous", "owner", "other"))
@pytest.mark.parametrize("what", ("events", "state"))
def test_audit_endpoints_tell_non_auditors_nothing(world, role, what):
    client = world.clients[role]
    unknown = answer(client.get(f"/api/v1/audit/streams/{uuid4()}/{what}"))
    assert unknown[0] in (401, 403)
    for name, id_ in world.ids.items():
        assert answer(client.get(f"/api/v1/audit/streams/{id_}/{what}")) == unknown, f"{role} with the {name} id"


def test_no_export_was_recorded_for_an_id_that_is_not_a_candidate(world):
    not_candidates = [v for k, v in world.ids.items() if k != "candidate"]
    assert not DataExport.objects.filter(candidate_id__in=not_candidates).exists()


def test_every_foreign_id_is_a_real_stream(world):
    """The ids above exist (so an answer that differs would reveal it); exports are rows, not streams."""
    jobraker = get_jobraker()
    for kind, id_ in world.ids.items():
        if kind != "export":
            assert jobraker.repository.get(UUID(id_)).id == UUID(id_), kind
    assert DataExport.objects.filter(id=world.ids["export"]).exists()
    # The tracked job is there for its owner only.
    assert world.clients["owner"].get(f"/api/v1/jobs/{world.ids['tracked job']}").status_code == 200
    assert world.clients["other"].get(f"/api/v1/jobs/{world.ids['tracked job']}").status_code == 404
