"""Responses that may carry personal data say ``Cache-Control: no-store`` (they said nothing,
so a browser or a shared cache could keep a profile, an application or a token pair)."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from jobraker.accounts.models import Role

from ..api_helpers import PASSWORD, operator, signed_in
from ..conftest import unique_email
from .test_admin import staff_browser


def assert_no_store(response, what: str) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, f"{what}: {response.get('Cache-Control')!r}"


def test_anonymous_answers_and_tokens_are_not_stored(live_projector):
    anonymous = APIClient()
    email = unique_email()
    assert_no_store(anonymous.post("/api/v1/auth/register", {"email": email, "name": "N", "password": PASSWORD}, format="json"), "register")
    assert_no_store(anonymous.post("/api/v1/auth/token", {"email": email, "password": "wrong"}, format="json"), "refused login")
    assert_no_store(anonymous.get("/api/v1/candidates/me"), "401")


def test_the_owners_data_is_not_stored(live_projector):
    owner, created, email = signed_in(name="Not Stored")
    token = owner.post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json")
    assert token.status_code == 200
    assert_no_store(token, "token pair")
    for path in ("/api/v1/candidates/me", f"/api/v1/candidates/{created['id']}", "/api/v1/applications",
                 "/api/v1/notifications", "/api/v1/alerts", "/api/v1/candidates/me/pipeline", "/api/v1/jobs"):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert_no_store(response, path)


def test_other_candidates_and_staff_answers_are_not_stored(live_projector):
    _, created, _ = signed_in()
    other, _, _ = signed_in()
    assert_no_store(other.get(f"/api/v1/candidates/{created['id']}"), "another's record (404)")
    for role in (Role.STAFF, Role.AUDITOR):
        response = operator(role).get(f"/api/v1/candidates/{created['id']}")
        assert response.status_code == 200
        assert_no_store(response, f"{role.value} reading a candidate")


def test_the_admin_is_not_stored(live_projector):
    _, created, _ = signed_in()
    assert_no_store(Client().get("/admin/login/"), "admin login")
    browser = staff_browser()
    for path in ("/admin/", "/admin/projections/candidaterecord/", f"/admin/streams/{created['id']}/", "/admin/operations/"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_no_store(response, path)


def test_pages_without_personal_data_stay_cacheable():
    for path in ("/api/schema/", "/api/docs/", "/health/live"):
        assert "no-store" not in Client().get(path).get("Cache-Control", ""), path


