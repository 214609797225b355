"""The automation API: GET/PUT /candidates/me/automation (and the older /auto-apply form),
approve and reject of a prepared submission with its payload in the application's detail,
and bulk actions with per-item results. Every endpoint: anonymous 401, owner, another
candidate 404 (or their own data only), staff."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.appliers.submit import preparer
from jobraker.domain.automation import STRATEGIES
from jobraker.eventstore.app import get_jobraker

from ..api_helpers import caught_up, operator, signed_in, wait
from ..conftest import unique_email

HOOK = "http://127.0.0.1:8000/api/v1/webhooks/skyvern"
AUTOMATION = "/api/v1/candidates/me/automation"


def sending_candidate(client: APIClient, mode: str = "approve") -> None:
    assert client.post("/api/v1/candidates/me/consents", {"kind": "auto_apply", "version": "2026-01"}, format="json").status_code == 200
    r = client.put(AUTOMATION, {"mode": mode, "strategy": "balanced"}, format="json")
    assert r.status_code == 200, r.content


def match(candidate_id: str, score: int = 90) -> tuple[str, int]:
    """A match found by Jobraker (as the match actor records it), prepared in approve mode."""
    jobraker = get_jobraker()
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer",
                                  company=f"Acme {uuid4().hex[:8]}", url="https://jobs.example.org/apply/9")
    app_id, position, _ = jobraker.record_match(
        UUID(candidate_id), job_id, score, "test-model", {}, prepare=preparer(HOOK, timedelta(hours=72))
    )
    return str(app_id), position


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        owner, created, _ = signed_in(name="Owner Person")
        other, other_created, _ = signed_in(name="Other Person")
        sending_candidate(owner)
        sending_candidate(other)
        return SimpleNamespace(
            owner=owner, owner_id=created["id"], other=other, other_id=other_created["id"],
            staff=operator(Role.STAFF), anonymous=APIClient(),
        )


def detail(client: APIClient, app_id: str, position: int) -> dict:
    r = client.get(f"/api/v1/applications/{app_id}", **caught_up(position))
    assert r.status_code == 200, r.content
    return r.json()


# ---------------------------------------------------------------------------
# Automation settings


def test_automation_defaults_then_put_and_read_back(live_projector):
    client, _, _ = signed_in()
    r = client.get(AUTOMATION)
    assert r.status_code == 200 and r["ETag"]
    balanced = STRATEGIES["balanced"]
    assert r.json()["mode"] == "off" and r.json()["strategy"] == "balanced"
    assert r.json()["effective"] == {"min_score": balanced.min_score, "daily_cap": balanced.daily_cap, "strict_filters": True,
                                     "company_limit": balanced.company_limit}
    assert set(r.json()["strategies"]) == {"selective", "balanced", "aggressive"}

    r = client.put(AUTOMATION, {"mode": "suggest", "strategy": "aggressive", "overrides": {"min_score": 60, "company_limit": 5}},
                   format="json")
    assert r.status_code == 200, r.content
    body = client.get(AUTOMATION, **wait(client, r)).json()
    assert (body["mode"], body["strategy"]) == ("suggest", "aggressive")
    assert body["overrides"] == {"min_score": 60, "daily_cap": None, "strict_filters": None, "company_limit": 5}
    assert body["effective"] == {"min_score": 60, "daily_cap": STRATEGIES["aggressive"].daily_cap, "strict_filters": False,
                                 "company_limit": 5}

    # PUT replaces the whole setting: an override left out follows the strategy again.
    etag = client.get(AUTOMATION, **wait(client, r))["ETag"]
    r = client.put(AUTOMATION, {"mode": "suggest", "strategy": "aggressive"}, format="json", HTTP_IF_MATCH=etag)
    assert r.status_code == 200
    body = client.get(AUTOMATION, **wait(client, r)).json()
    assert body["effective"]["min_score"] == STRATEGIES["aggressive"].min_score
    assert body["effective"]["company_limit"] == STRATEGIES["aggressive"].company_limit
    stale = client.put(AUTOMATION, {"mode": "off", "strategy": "balanced"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412  # someone changed it since that version was read
    assert client.get(AUTOMATION).json()["mode"] == "suggest"


def test_sending_modes_need_the_auto_apply_consent(live_projector):
    client, _, _ = signed_in()
    for mode in ("approve", "full"):
        r = client.put(AUTOMATION, {"mode": mode, "strategy": "balanced"}, format="json")
        assert r.status_code == 409 and "consent" in r.json()["detail"]
    sending_candidate(client, "full")
    r = client.delete("/api/v1/candidates/me/consents/auto_apply")
    assert client.get(AUTOMATION, **wait(client, r)).json()["mode"] == "suggest"  # withdrawing stops sending


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "sometimes", "strategy": "balanced"}, "mode"),
        ({"mode": "off", "strategy": "reckless"}, "strategy"),
        ({"mode": "off"}, "strategy"),
        ({"mode": "off", "strategy": "balanced", "overrides": {"daily_cap": 0}}, "overrides.daily_cap"),
        ({"mode": "off", "strategy": "balanced", "overrides": {"min_score": 101}}, "overrides.min_score"),
        ({"mode": "off", "strategy": "balanced", "overrides": {"company_limit": 0}}, "overrides.company_limit"),
        ({"mode": "off", "strategy": "balanced", "enabled": True}, "enabled"),
    ],
)
def test_bad_automation_input_is_a_validation_problem(live_projector, body, field):
    client, _, _ = signed_in()
    r = client.put(AUTOMATION, body, format="json")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


def test_the_older_auto_apply_form_is_an_alias(live_projector):
    client, _, _ = signed_in()
    client.post("/api/v1/candidates/me/consents", {"kind": "auto_apply", "version": "2026-01"}, format="json")
    r = client.patch("/api/v1/candidates/me/auto-apply", {"enabled": True, "daily_cap": 4}, format="json")
    assert r.status_code == 200
    body = client.get(AUTOMATION, **wait(client, r)).json()
    assert body["mode"] == "full" and body["effective"]["daily_cap"] == 4
    r = client.patch("/api/v1/candidates/me/auto-apply", {"enabled": False}, format="json")
    assert client.get(AUTOMATION, **wait(client, r)).json()["mode"] == "off"


def test_automation_authorization(world):
    assert world.anonymous.get(AUTOMATION).status_code == 401
    assert world.anonymous.put(AUTOMATION, {"mode": "off", "strategy": "balanced"}, format="json").status_code == 401
    assert world.staff.get(AUTOMATION).status_code == 403
    assert world.staff.put(AUTOMATION, {"mode": "off", "strategy": "balanced"}, format="json").status_code == 403
    r = world.owner.put(AUTOMATION, {"mode": "approve", "strategy": "selective"}, format="json")
    assert r.status_code == 200
    # Another candidate only ever sees and changes their own setting.
    theirs = world.other.get(AUTOMATION, **wait(world.owner, r)).json()
    assert (theirs["mode"], theirs["strategy"]) == ("approve", "balanced")
    assert world.owner.get(AUTOMATION, **wait(world.owner, r)).json()["strategy"] == "selective"
    r = world.owner.put(AUTOMATION, {"mode": "approve", "strategy": "balanced"}, format="json")
    assert r.status_code == 200


# ---------------------------------------------------------------------------
# Approve and reject a prepared submission


def test_owner_sees_the_prepared_payload_and_approves_it(world):
    app_id, position = match(world.owner_id)
    body = detail(world.owner, app_id, position)
    prepared = body["prepared_submission"]
    assert body["status"] == "pending_approval" and prepared["state"] == "awaiting"
    assert "Owner Person" in prepared["payload"]["prompt"] and prepared["payload"]["url"] == "https://jobs.example.org/apply/9"
    assert prepared["automation"]["mode"] == "approve" and prepared["expires_at"]
    assert detail(world.staff, app_id, position)["prepared_submission"]["payload"] == prepared["payload"]
    assert world.other.get(f"/api/v1/applications/{app_id}").status_code == 404

    r = world.owner.post(f"/api/v1/applications/{app_id}/approve")
    assert r.status_code == 200, r.content
    after = detail(world.owner, app_id, int(r["X-Event-Position"]))
    assert after["status"] == "queued" and after["prepared_submission"]["state"] == "approved"
    assert [e["action"] for e in after["timeline"]][-2:] == ["prepare_submission", "approve_submission"]
    again = world.owner.post(f"/api/v1/applications/{app_id}/approve")
    assert again.status_code == 409 and "queued" in again.json()["detail"]


def test_owner_rejects_and_nothing_is_queued(world):
    app_id, _ = match(world.owner_id)
    r = world.owner.post(f"/api/v1/applications/{app_id}/reject")
    assert r.status_code == 200
    after = detail(world.owner, app_id, int(r["X-Event-Position"]))
    assert after["status"] == "withdrawn" and after["prepared_submission"]["state"] == "rejected"


def test_an_application_without_a_preparation_shows_none(world):
    app_id, position = match(world.owner_id, score=10)  # below the threshold: matched only
    body = detail(world.owner, app_id, position)
    assert body["status"] == "matched" and body["prepared_submission"] is None
    r = world.owner.post(f"/api/v1/applications/{app_id}/approve")
    assert r.status_code == 409 and "matched" in r.json()["detail"]


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_approve_and_reject_authorization(world, action):
    app_id, _ = match(world.owner_id)
    url = f"/api/v1/applications/{app_id}/{action}"
    assert world.anonymous.post(url).status_code == 401
    assert world.other.post(url).status_code == 404  # another's application does not exist for them
    assert world.other.post(f"/api/v1/applications/{uuid4()}/{action}").status_code == 404
    assert world.staff.post(url).status_code == 403  # only the candidate decides what is sent in their name
    assert get_jobraker().get_application(UUID(app_id)).status.value == "pending_approval"
    assert world.owner.post(url).status_code == 200


# ---------------------------------------------------------------------------
# Bulk


BULK = "/api/v1/applications/bulk"


def test_bulk_partial_success_per_item(world):
    pending, _ = match(world.owner_id)
    matched_only, _ = match(world.owner_id, score=10)
    theirs, _ = match(world.other_id)
    missing = str(uuid4())
    r = world.owner.post(BULK, {"action": "approve", "ids": [pending, matched_only, theirs, missing]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    results = {item["id"]: item for item in body["results"]}
    assert [item["id"] for item in body["results"]] == [pending, matched_only, theirs, missing]
    assert (results[pending]["outcome"], results[pending]["status"]) == ("ok", "queued")
    assert results[pending]["position"] == int(r["X-Event-Position"]) == body["position"]
    assert (results[matched_only]["outcome"], results[matched_only]["status"]) == ("invalid_transition", "matched")
    assert results[theirs] == {**results[missing], "id": theirs}  # indistinguishable from a missing one
    assert results[theirs]["outcome"] == "not_found" and results[theirs]["status"] is None
    assert body["summary"] == {"ok": 1, "failed": 3}
    assert get_jobraker().get_application(UUID(theirs)).status.value == "pending_approval"

    r = world.owner.post(BULK, {"action": "shortlist", "ids": [matched_only, pending]}, format="json")
    outcomes = [(i["outcome"], i["status"]) for i in r.json()["results"]]
    assert outcomes == [("ok", "shortlisted"), ("invalid_transition", "queued")]
    r = world.owner.post(BULK, {"action": "withdraw", "ids": [matched_only, pending]}, format="json")
    assert [(i["outcome"], i["status"]) for i in r.json()["results"]] == [("ok", "withdrawn"), ("ok", "withdrawn")]
    listed = world.owner.get("/api/v1/applications?status=withdrawn", **wait(world.owner, r)).json()
    assert {pending, matched_only} <= {a["id"] for a in listed["results"]}


def test_bulk_reject(world):
    first, _ = match(world.owner_id)
    second, _ = match(world.owner_id)
    r = world.owner.post(BULK, {"action": "reject", "ids": [first, second]}, format="json")
    assert [(i["outcome"], i["status"]) for i in r.json()["results"]] == [("ok", "withdrawn")] * 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "queue", "ids": [str(uuid4())]}, "action"),
        ({"action": "approve", "ids": []}, "ids"),
        ({"action": "approve", "ids": [str(uuid4()) for _ in range(101)]}, "ids"),
        ({"action": "approve", "ids": ["not-a-uuid"]}, "ids"),
    ],
)
def test_bulk_bad_input(world, body, field):
    r = world.owner.post(BULK, body, format="json")
    assert r.status_code == 400 and any(e["field"].startswith(field) for e in r.json()["errors"])


def test_bulk_authorization(world):
    app_id, _ = match(world.owner_id)
    body = {"action": "withdraw", "ids": [app_id]}
    assert world.anonymous.post(BULK, body, format="json").status_code == 401
    assert world.staff.post(BULK, body, format="json").status_code == 403
    r = world.other.post(BULK, body, format="json")
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "not_found"
    assert get_jobraker().get_application(UUID(app_id)).status.value == "pending_approval"
    r = world.owner.post(BULK, body, format="json")
    assert r.json()["results"][0]["outcome"] == "ok"


def test_a_hundred_items_in_one_request(world):
    ids = [match(world.owner_id, score=10)[0] for _ in range(5)] + [str(uuid4()) for _ in range(95)]
    r = world.owner.post(BULK, {"action": "shortlist", "ids": ids}, format="json")
    assert r.status_code == 200
    assert r.json()["summary"] == {"ok": 5, "failed": 95}
