"""Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) got Django's HTML 400 page; they now answer
413 problem+json. The resume upload keeps its own, larger limit (5 MB)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.resumes.extract import MAX_RESUME_BYTES

from ..api_helpers import operator, signed_in

OVER = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def big_json(key: str = "email") -> str:
    return json.dumps({key: "x" * OVER, "password": "y"})


def assert_413_problem(response, what: str) -> None:
    assert response.status_code == 413, f"{what}: {response.status_code} {response.content[:200]!r}"
    assert response["Content-Type"] == "application/problem+json", what
    body = response.json()
    assert body["status"] == 413 and body["title"] == "Content too large", what


def test_anonymous_oversized_bodies_answer_413_problem():
    anonymous = APIClient()
    for path in ("/api/v1/auth/token", "/api/v1/auth/register", "/api/v1/auth/token/refresh"):
        assert_413_problem(anonymous.post(path, big_json(), content_type="application/json"), f"{path} json")
        form = "email=" + "x" * OVER
        assert_413_problem(anonymous.post(path, form, content_type="application/x-www-form-urlencoded"), f"{path} form")
    too_many_fields = "&".join(f"f{n}=x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert_413_problem(
        anonymous.post("/api/v1/auth/token", too_many_fields, content_type="application/x-www-form-urlencoded"), "fields"
    )


def test_a_body_under_the_limit_is_read_as_before():
    response = APIClient().post("/api/v1/auth/token", json.dumps({"email": "x" * 100_000, "password": "y"}),
                                content_type="application/json")
    assert response.status_code in (400, 401)


def test_candidates_oversized_bodies_answer_413_problem(live_projector):
    owner, _, _ = signed_in()
    other, _, _ = signed_in()
    assert_413_problem(owner.post("/api/v1/alerts", big_json("name"), content_type="application/json"), "owner alert")
    assert_413_problem(owner.patch("/api/v1/candidates/me/profile", big_json("headline"), content_type="application/json"), "profile")
    assert_413_problem(other.post("/api/v1/applications", big_json("title"), content_type="application/json"), "other")
    # A multipart form whose fields (not files) are over the limit.
    assert_413_problem(owner.post("/api/v1/candidates/me/resume", {"note": "x" * OVER}, format="multipart"), "multipart")


def test_staff_and_the_admin_oversized_bodies_answer_413_problem():
    staff = operator(Role.STAFF)
    assert_413_problem(staff.post("/api/v1/jobs", big_json("title"), content_type="application/json"), "staff job")
    assert_413_problem(Client().post("/admin/login/", {"username": "x" * OVER, "password": "y"}), "admin login")


def test_a_resume_keeps_its_own_larger_limit(live_projector):
    owner, _, _ = signed_in()
    text = (b"Ada Lovelace, analytical engines. " * (MAX_RESUME_BYTES // 34))[: MAX_RESUME_BYTES - 1024]
    assert len(text) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = owner.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv.txt", text)}, format="multipart")
    assert response.status_code in (201, 202), response.content[:300]
    too_big = owner.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv.txt", b"x" * (MAX_RESUME_BYTES + 1))}, format="multipart")
    assert_413_problem(too_big, "resume over 5 MB")
