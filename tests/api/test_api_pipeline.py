"""A candidate's pipeline through the API: profile, consents, a manual application moved
through its states, its timeline, and the errors on the way."""

from __future__ import annotations

import pytest

from ..api_helpers import signed_in, wait


@pytest.fixture
def candidate(live_projector):
    client, created, _ = signed_in()
    return client, created


def test_profile_preferences_consent_and_auto_apply(candidate):
    client, created = candidate
    r = client.patch(
        "/api/v1/candidates/me/profile",
        {"headline": "Backend engineer", "skills": ["Django", "PostgreSQL"], "years_experience": 6,
         "remote": "remote", "salary_floor": 60000, "salary_currency": "GBP"},
        format="json",
    )
    assert r.status_code == 200, r.content
    r = client.patch("/api/v1/candidates/me/preferences", {"keywords": ["django"], "countries": ["GB"]}, format="json")
    assert r.status_code == 200, r.content
    # Auto-apply needs its consent first.
    r = client.patch("/api/v1/candidates/me/auto-apply", {"enabled": True}, format="json")
    assert r.status_code == 409 and "consent" in r.json()["detail"]
    assert client.post("/api/v1/candidates/me/consents", {"kind": "auto_apply", "version": "2026-01"}, format="json").status_code == 200
    r = client.patch("/api/v1/candidates/me/auto-apply", {"enabled": True, "min_score": 80}, format="json")
    assert r.status_code == 200

    me = client.get("/api/v1/candidates/me", **wait(client, r)).json()
    assert me["profile"]["skills"] == ["Django", "PostgreSQL"] and me["profile"]["salary_floor"] == 60000
    assert me["preferences"]["countries"] == ["gb"]
    assert me["consents"]["auto_apply"]["given"] is True
    # The older on/off form's keys keep their meaning next to the automation mode (docs/automation.md).
    assert {k: me["auto_apply"][k] for k in ("enabled", "min_score", "daily_cap", "mode")} == {
        "enabled": True, "min_score": 80, "daily_cap": 10, "mode": "full",
    }

    r = client.delete("/api/v1/candidates/me/consents/auto_apply")
    me = client.get("/api/v1/candidates/me", **wait(client, r)).json()
    assert me["auto_apply"]["enabled"] is False and me["consents"]["auto_apply"]["given"] is False


def test_stale_if_match_is_412_and_current_one_succeeds(candidate):
    client, _ = candidate
    r = client.patch("/api/v1/candidates/me/profile", {"headline": "One"}, format="json")
    me = client.get("/api/v1/candidates/me", **wait(client, r))
    etag = me["ETag"]
    assert client.patch("/api/v1/candidates/me/profile", {"headline": "Two"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = client.patch("/api/v1/candidates/me/profile", {"headline": "Three"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert client.patch("/api/v1/candidates/me/profile", {"headline": "x"}, format="json", HTTP_IF_MATCH="abc").status_code == 400


def test_manual_application_moves_through_its_states_with_a_timeline(candidate):
    client, created = candidate
    r = client.post(
        "/api/v1/applications",
        {"title": "Backend Engineer (Django)", "company": "Acme Ltd", "url": "https://jobs.example.org/42", "applied": True},
        format="json",
    )
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    again = client.post(
        "/api/v1/applications", {"title": "x", "company": "y", "url": "https://jobs.example.org/42"}, format="json"
    )
    assert again.status_code == 409

    steps = [
        {"action": "schedule_interview", "at": "2026-12-03T10:00:00Z"},
        {"action": "record_offer"},
    ]
    for step in steps:
        r = client.post(f"/api/v1/applications/{app_id}/transitions", step, format="json")
        assert r.status_code == 200, r.content
    r = client.post(f"/api/v1/applications/{app_id}/notes", {"text": "Offer: 65k, decide by Friday"}, format="json")
    assert r.status_code == 201

    detail = client.get(f"/api/v1/applications/{app_id}", **wait(client, r)).json()
    assert detail["status"] == "offer"
    assert detail["job"]["company"] == "Acme Ltd"
    assert [e["action"] for e in detail["timeline"]] == ["start", "schedule_interview", "record_offer", "note"]
    assert detail["timeline"][1]["detail"]["at"].startswith("2026-12-03T10:00")
    assert detail["timeline"][3]["detail"]["text"] == "Offer: 65k, decide by Friday"
    assert {e["by"] for e in detail["timeline"]} == {"candidate"}

    listed = client.get("/api/v1/applications", {"status": "offer"}).json()
    assert [a["id"] for a in listed["results"]] == [app_id]
    assert client.get("/api/v1/applications", {"company": "nobody-has-this"}).json()["results"] == []


def test_illegal_and_unknown_transitions_are_refused(candidate):
    client, _ = candidate
    r = client.post("/api/v1/applications", {"title": "T", "company": "C", "applied": False}, format="json")
    app_id = r.json()["id"]
    r = client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "record_offer"}, format="json")
    assert r.status_code == 409
    assert r.json()["detail"] == "cannot record offer when the application is shortlisted"
    r = client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "start_submission"}, format="json")
    assert r.status_code == 400  # not a candidate's move
    r = client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "teleport"}, format="json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "schedule_interview"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "at"


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/api/v1/candidates/me/profile", "patch", {"salary_floor": -5}, "salary_floor"),
        ("/api/v1/candidates/me/profile", "patch", {"salary_floor": 10**9}, "salary_floor"),
        ("/api/v1/candidates/me/profile", "patch", {"years_experience": "many"}, "years_experience"),
        ("/api/v1/candidates/me/profile", "patch", {"remote": "sometimes"}, "remote"),
        ("/api/v1/candidates/me/profile", "patch", {"favourite_colour": "blue"}, "favourite_colour"),
        ("/api/v1/candidates/me/preferences", "patch", {"countries": ["GBR"]}, "countries"),
        ("/api/v1/candidates/me/preferences", "patch", {"countries": ["gb", "QQ"]}, "countries"),  # no such ISO 3166 code
        ("/api/v1/candidates/me/profile", "patch", {"salary_currency": "EURO"}, "salary_currency"),
        ("/api/v1/candidates/me/profile", "patch", {"salary_currency": "ABC"}, "salary_currency"),  # no such ISO 4217 code
        ("/api/v1/candidates/me/profile", "patch", {"radius_km": 0}, "radius_km"),
        ("/api/v1/candidates/me/auto-apply", "patch", {"daily_cap": 0}, "daily_cap"),
        ("/api/v1/candidates/me/consents", "post", {"kind": "marketing", "version": "1"}, "kind"),
        ("/api/v1/applications", "post", {"title": "only a title"}, "non_field_errors"),
    ],
)
def test_bad_input_is_400_with_the_field_named(candidate, path, method, body, field):
    client, _ = candidate
    r = getattr(client, method)(path, body, format="json")
    assert r.status_code == 400, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert field in {e["field"].split(".")[0] for e in r.json()["errors"]}


def test_malformed_json_is_400_problem(candidate):
    client, _ = candidate
    r = client.generic("PATCH", "/api/v1/candidates/me/profile", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"


def test_pipeline_summary_counts_and_response_rate(candidate):
    client, _ = candidate
    ids = []
    for n, applied in enumerate((True, True, True, False)):
        r = client.post("/api/v1/applications", {"title": f"Job {n}", "company": "Acme", "applied": applied}, format="json")
        ids.append(r.json()["id"])
    client.post(f"/api/v1/applications/{ids[0]}/transitions", {"action": "record_rejection"}, format="json")
    r = client.post(f"/api/v1/applications/{ids[1]}/transitions", {"action": "schedule_interview", "at": "2026-12-10T09:00:00Z"}, format="json")
    summary = client.get("/api/v1/candidates/me/pipeline", **wait(client, r)).json()
    assert summary["total"] == 4
    assert summary["by_status"]["rejected"] == 1 and summary["by_status"]["interviewing"] == 1
    assert summary["by_status"]["submitted"] == 1 and summary["by_status"]["shortlisted"] == 1
    assert (summary["submitted"], summary["responded"], summary["response_rate"]) == (3, 2, 0.667)
    assert 0 <= summary["median_days_to_first_response"] < 0.01


def test_page_size_is_accepted_and_bounded(candidate):
    client, _ = candidate
    assert client.get("/api/v1/applications", {"page_size": 5}).status_code == 200
    assert client.get("/api/v1/jobs", {"page_size": 100}).status_code == 200
    assert client.get("/api/v1/jobs", {"page_size": 1000}).status_code == 400
