"""Data export: requested through the API, built by the worker from the relay's message,
holding every event about the candidate (decrypted), their read models, what Skyvern was
sent, and their resume; downloadable by them (or staff) only, and unreadable once erased."""

from __future__ import annotations

import io
import json
import zipfile
from uuid import UUID

from django.core.files.uploadedfile import SimpleUploadedFile

from jobraker.accounts.models import Role

from ..api_helpers import operator, signed_in, wait
from ..conftest import relay_from_now


def test_export_round_trip(jobraker, live_projector, dramatiq_worker):
    relay = relay_from_now(jobraker)
    client, created, email = signed_in(name="Export Me")
    client.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv.txt", b"Export Me, Django developer")}, format="multipart")
    r = client.post("/api/v1/applications", {"title": "Exporter", "company": "Acme", "applied": True}, format="json")
    wait(client, r)  # the tracked job's row is in the read models the export copies
    client.post(f"/api/v1/applications/{r.json()['id']}/notes", {"text": "my private note"}, format="json")
    alert = client.post("/api/v1/alerts", {"name": "Remote Django", "criteria": {"keywords": ["zz-export-test-only"]}}, format="json")
    assert alert.status_code in (201, 202), alert.content
    assert client.patch("/api/v1/notifications/settings", {"email": False}, format="json").status_code in (200, 202)
    requested = client.post("/api/v1/candidates/me/exports")
    assert requested.status_code == 202
    export_id = requested.json()["id"]
    assert client.get(f"/api/v1/exports/{export_id}").json()["status"] == "pending"

    relay.catch_up()
    dramatiq_worker.join("default", timeout=30_000)

    status = client.get(f"/api/v1/exports/{export_id}", **wait(client, requested)).json()
    assert status["status"] == "ready" and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.read("resume/cv.txt") == b"Export Me, Django developer"
    document = json.loads(archive.read("export.json"))
    types = [e["type"] for e in document["events"]]
    assert "Candidate.Registered" in types and "Application.NoteAdded" in types and "Candidate.ExportRequested" in types
    assert "JobAlert.Created" in types and "NotificationSettings.Changed" in types  # every stream about them
    assert any(e["data"].get("name") == "Remote Django" for e in document["events"])
    registered = next(e for e in document["events"] if e["type"] == "Candidate.Registered")
    assert registered["data"]["email"] == email and registered["metadata"]["actor"] == "candidate"
    assert any(e["data"].get("text") == "my private note" for e in document["events"])
    assert document["read_models"]["candidate"][0]["email"] == email
    # The job they tracked themselves is theirs: its events and its row are in the export.
    tracked = next(e for e in document["events"] if e["type"] == "Job.Tracked")
    assert tracked["data"]["title"] == "Exporter" and tracked["data"]["candidate_id"] == created["id"]
    assert [j["title"] for j in document["read_models"]["tracked_jobs"]] == ["Exporter"]

    other, _, _ = signed_in()
    assert other.get(f"/api/v1/exports/{export_id}").status_code == 404
    assert other.get(status["download"]).status_code == 404
    assert operator(Role.STAFF).get(status["download"]).status_code == 200
    assert operator(Role.AUDITOR).get(status["download"]).status_code == 404

    jobraker.mapper.keyring.destroy(UUID(created["id"]))
    staff = operator(Role.STAFF)
    assert staff.get(status["download"]).status_code == 404  # the sealed zip died with the key


def test_staff_start_an_export_and_candidates_cannot_for_others(jobraker, live_projector):
    _, created, _ = signed_in()
    other, _, _ = signed_in()
    assert other.post(f"/api/v1/candidates/{created['id']}/exports").status_code == 403
    assert operator(Role.STAFF).post(f"/api/v1/candidates/{created['id']}/exports").status_code == 202
