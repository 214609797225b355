"""Authorization matrix: every endpoint × anonymous, owner, other candidate, auditor, staff.

Another candidate's resource answers 404 (never 403 or its data); auditors read and
never write; staff read everything and act through the same commands."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role

from ..api_helpers import operator, signed_in, wait
from ..conftest import clear_throttles

ROLES = ("anonymous", "owner", "other", "auditor", "staff")
PRIVATE = "Zanzibarite"  # a word only the owner's tracked job contains


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_projector):
    clear_throttles()  # a module fixture runs before the per-test reset (after the login-throttle test, 429s)
    with django_db_blocker.unblock():
        owner, created, _ = signed_in(name="Owner")
        other, _, _ = signed_in(name="Other")
        staff = operator(Role.STAFF)
        r = staff.post("/api/v1/jobs", {"external_id": "authz-1", "title": "Django developer", "company": "Acme"}, format="json")
        job_id = r.json()["id"]
        r = owner.post("/api/v1/applications", {"job_id": job_id, "applied": True}, format="json", **wait(owner, r))
        app_id = r.json()["id"]
        owner.get("/api/v1/applications", **wait(owner, r))
        # A job the owner tracks themselves ("an application I made elsewhere"): theirs alone.
        r = owner.post("/api/v1/applications", {"title": f"{PRIVATE} role", "company": f"{PRIVATE} Ltd",
                                                "url": f"https://jobs.example.org/{PRIVATE}"}, format="json")
        tracked_app_id = r.json()["id"]
        tracked_job_id = owner.get(f"/api/v1/applications/{tracked_app_id}", **wait(owner, r)).json()["job_id"]
        return SimpleNamespace(
            clients={"anonymous": APIClient(), "owner": owner, "other": other, "auditor": operator(Role.AUDITOR), "staff": staff},
            owner_id=created["id"], job_id=job_id, app_id=app_id, tracked_job_id=tracked_job_id, tracked_app_id=tracked_app_id,
        )


# (method, path, body, expected status per role)
MATRIX = [
    ("get", "/api/v1/candidates/me", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("patch", "/api/v1/candidates/me/profile", {"headline": "x"}, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("patch", "/api/v1/candidates/me/preferences", {"keywords": ["x"]}, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    # Filters that mean what the candidate means: codes checked against ISO 3166/4217 (400 if unknown).
    ("patch", "/api/v1/candidates/me/profile", {"salary_currency": "EUR", "radius_km": 30, "remote_strict": True},
     dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("patch", "/api/v1/candidates/me/profile", {"salary_currency": "XYZ"}, dict(anonymous=401, owner=400, other=400, auditor=403, staff=403)),
    ("patch", "/api/v1/candidates/me/preferences", {"countries": ["xx"]}, dict(anonymous=401, owner=400, other=400, auditor=403, staff=403)),
    ("patch", "/api/v1/candidates/me/auto-apply", {"daily_cap": 5}, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("post", "/api/v1/candidates/me/consents", {"kind": "terms", "version": "1"}, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("delete", "/api/v1/candidates/me/consents/terms", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("get", "/api/v1/candidates/{owner_id}", None, dict(anonymous=401, owner=200, other=404, auditor=200, staff=200)),
    # The erasure record (per processor: what deletion was asked and how it was answered) is for staff.
    ("get", "/api/v1/candidates/{owner_id}/erasure", None, dict(anonymous=401, owner=403, other=403, auditor=403, staff=200)),
    ("get", "/api/v1/jobs", None, dict(anonymous=401, owner=200, other=200, auditor=200, staff=200)),
    ("post", "/api/v1/jobs", {"external_id": "authz-2", "title": "T", "company": "C"}, dict(anonymous=401, owner=403, other=403, auditor=403, staff=201)),
    ("post", "/api/v1/jobs", {"external_id": "authz-3", "title": "T", "company": "C", "country": "zz"}, dict(anonymous=401, owner=403, other=403, auditor=403, staff=400)),
    ("post", "/api/v1/jobs", {"external_id": "authz-4", "title": "T", "company": "C", "salary_currency": "ABC"}, dict(anonymous=401, owner=403, other=403, auditor=403, staff=400)),
    ("post", "/api/v1/jobs", {"external_id": "authz-5", "title": "T", "company": "C", "country": "ca", "location": "Montréal",
                              "location_area": ["Canada", "Québec", "Montréal"], "latitude": 45.5, "longitude": -73.6},
     dict(anonymous=401, owner=403, other=403, auditor=403, staff=201)),
    ("get", "/api/v1/jobs/{job_id}", None, dict(anonymous=401, owner=200, other=200, auditor=200, staff=200)),
    ("get", "/api/v1/candidates/me/pipeline", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("get", "/api/v1/candidates/me/matches", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("get", "/api/v1/jobs/{job_id}/match", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("get", "/api/v1/jobs/semantic?q=django", None, dict(anonymous=401, owner=200, other=200, auditor=200, staff=200)),
    ("get", "/api/v1/staff/adzuna-usage", None, dict(anonymous=401, owner=403, other=403, auditor=403, staff=200)),
    ("get", "/api/v1/staff/boards", None, dict(anonymous=401, owner=403, other=403, auditor=403, staff=200)),
    ("post", "/api/v1/staff/boards", {"source": "lever", "token": "sandbox-authz", "company": "Authz"},
     dict(anonymous=401, owner=403, other=403, auditor=403, staff=201)),
    ("delete", "/api/v1/staff/boards/lever/sandbox-never-followed", None, dict(anonymous=401, owner=403, other=403, auditor=403, staff=404)),
    ("get", "/api/v1/notifications", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("get", "/api/v1/applications", None, dict(anonymous=401, owner=200, other=200, auditor=200, staff=200)),
    ("get", "/api/v1/applications/{app_id}", None, dict(anonymous=401, owner=200, other=404, auditor=200, staff=200)),
    ("post", "/api/v1/applications/{app_id}/transitions", {"action": "schedule_interview", "at": "2026-12-01T09:00:00Z"},
     dict(anonymous=401, owner=200, other=404, auditor=403, staff=200)),
    ("post", "/api/v1/applications/{app_id}/notes", {"text": "hello"}, dict(anonymous=401, owner=201, other=404, auditor=403, staff=201)),
    # A tracked job is its owner's record, never a listing: no one else reads it as a job, and
    # no one (the owner included) matches or shortlists it. Staff see it only as the owner's application.
    ("get", "/api/v1/jobs/{tracked_job_id}", None, dict(anonymous=401, owner=200, other=404, auditor=404, staff=404)),
    ("get", "/api/v1/jobs/{tracked_job_id}/match", None, dict(anonymous=401, owner=404, other=404, auditor=403, staff=403)),
    ("post", "/api/v1/candidates/me/matches/{tracked_job_id}/shortlist", None, dict(anonymous=401, owner=404, other=404, auditor=403, staff=403)),
    # Apply now: never to a tracked job (the owner's too: it is no listing); only the candidate decides what is sent.
    ("post", "/api/v1/jobs/{tracked_job_id}/apply", None, dict(anonymous=401, owner=404, other=404, auditor=403, staff=403)),
    ("post", "/api/v1/applications/{tracked_app_id}/apply", None, dict(anonymous=401, owner=409, other=404, auditor=403, staff=403)),
    ("get", "/api/v1/applications/{tracked_app_id}", None, dict(anonymous=401, owner=200, other=404, auditor=200, staff=200)),
    # The answer bank is the candidate's own word: only they read or write it (tests/api/test_answer_bank.py has more).
    ("get", "/api/v1/candidates/me/answers", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("post", "/api/v1/candidates/me/answers", {"topic": "notice_period", "answer": "One month"},
     dict(anonymous=401, owner=201, other=201, auditor=403, staff=403)),
    # The mailbox connection is the candidate's own (tests/api/test_inbox_api.py connects one): none here.
    ("get", "/api/v1/candidates/me/mailbox", None, dict(anonymous=401, owner=404, other=404, auditor=403, staff=403)),
    # A forwarding address is each candidate's own (tests/api/test_inbox_api.py reads and deletes one).
    ("post", "/api/v1/candidates/me/forwarding-address", None, dict(anonymous=401, owner=201, other=201, auditor=403, staff=403)),
    # Followed boards are each candidate's own; the staff list of boards is staff's.
    ("get", "/api/v1/candidates/me/boards", None, dict(anonymous=401, owner=200, other=200, auditor=403, staff=403)),
    ("post", "/api/v1/candidates/me/boards", {"source": "lever", "token": "sandbox-contoso"},
     dict(anonymous=401, owner=201, other=201, auditor=403, staff=403)),
    ("delete", "/api/v1/candidates/me/boards/lever/never-followed", None,
     dict(anonymous=401, owner=404, other=404, auditor=403, staff=403)),
    ("get", "/api/v1/staff/boards", None, dict(anonymous=401, owner=403, other=403, auditor=403, staff=200)),
    # Not waiting on a question (it is submitted): the owner gets 409, anyone else nothing to act on.
    ("post", "/api/v1/applications/{app_id}/answer", {"answer": "One month"},
     dict(anonymous=401, owner=409, other=404, auditor=403, staff=403)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_authorization_matrix(world, role, method, path, body, expected):
    client = world.clients[role]
    url = path.format(owner_id=world.owner_id, job_id=world.job_id, app_id=world.app_id,
                      tracked_job_id=world.tracked_job_id, tracked_app_id=world.tracked_app_id)
    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert "Owner" not in response.content.decode()


def test_candidates_see_only_their_own_applications(world):
    owner_ids = [a["id"] for a in world.clients["owner"].get("/api/v1/applications").json()["results"]]
    other_ids = [a["id"] for a in world.clients["other"].get("/api/v1/applications").json()["results"]]
    assert world.app_id in owner_ids
    assert world.app_id not in other_ids


def test_me_is_always_the_caller(world):
    other = world.clients["other"].get("/api/v1/candidates/me").json()
    assert other["id"] != world.owner_id and other["name"] == "Other"


def test_posting_a_manual_application_is_for_candidates_only(world):
    for role in ("auditor", "staff"):
        r = world.clients[role].post("/api/v1/applications", {"job_id": world.job_id}, format="json")
        assert r.status_code == 403
    assert world.clients["anonymous"].post("/api/v1/applications", {"job_id": world.job_id}, format="json").status_code == 401


SHARED_READS = [
    "/api/v1/jobs?page_size=100", f"/api/v1/jobs?q={PRIVATE}", f"/api/v1/jobs?q={PRIVATE}&include_expired=true",
    f"/api/v1/jobs/semantic?q={PRIVATE}%20role", "/api/v1/candidates/me/matches", "/api/v1/candidates/me/pipeline",
    "/api/v1/notifications", "/api/v1/alerts",
]


@pytest.mark.parametrize("role", ("other", "auditor", "staff"))
def test_another_candidates_tracked_job_never_appears_in_shared_reads(world, role):
    """Listings, search, semantic search, matches and everything another candidate reads: the
    owner's tracked job is in none of them (staff and auditors do not see it as a listing either;
    they read it only as the owner's application, like every application)."""
    applications = [f"/api/v1/applications?company={PRIVATE}", "/api/v1/applications"] if role == "other" else []
    for path in SHARED_READS + applications:
        response = world.clients[role].get(path)
        if response.status_code == 403:
            continue  # a candidate-only read
        assert response.status_code == 200, (path, response.content)
        body = response.content.decode()
        assert world.tracked_job_id not in body and PRIVATE not in body, path
    if role == "other":
        r = world.clients["other"].post("/api/v1/applications", {"job_id": world.tracked_job_id}, format="json")
        assert r.status_code == 404 and PRIVATE not in r.content.decode()


def test_the_owner_reads_their_tracked_job(world):
    owner = world.clients["owner"]
    assert owner.get(f"/api/v1/jobs/{world.tracked_job_id}").json()["title"] == f"{PRIVATE} role"
    jobs = [a["job"] for a in owner.get(f"/api/v1/applications?company={PRIVATE}").json()["results"]]
    assert jobs == [{"title": f"{PRIVATE} role", "company": f"{PRIVATE} Ltd", "url": f"https://jobs.example.org/{PRIVATE}"}]
    assert world.tracked_job_id not in owner.get(f"/api/v1/jobs?q={PRIVATE}").content.decode()  # still not a listing
