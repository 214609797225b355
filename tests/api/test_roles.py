"""Staff and auditors: an auditor (who needs ``is_staff`` to open the admin's stream viewer)
reads streams and audit endpoints and does nothing else; every staff action and page checks the
staff role itself; no token text is ever shown in the admin."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from django.contrib import admin
from django.test import Client
from rest_framework.exceptions import PermissionDenied
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from jobraker.accounts.models import Account, Role
from jobraker.api.command_http import actor_of
from jobraker.domain.application import Status
from jobraker.privacy.models import DataExport

from ..api_helpers import PASSWORD, caught_up, login, signed_in
from ..conftest import unique_email

ROLES = ("anonymous", "candidate", "auditor", "staff")
LOGIN = "login"  # redirected to the admin's login page


def account(role: str) -> Account | None:
    if role == "anonymous":
        return None
    email = unique_email(role)
    user = Account.objects.create_user(
        email, PASSWORD, role=Role(role), is_staff=role in ("auditor", "staff")  # as the viewer needs
    )
    user.login_email = email  # accounts keep only the address's blind index
    return user


def browser(role: str) -> Client:
    client = Client()
    if (user := account(role)) is not None:
        client.force_login(user)
    return client


def api_client(role: str) -> APIClient:
    client = APIClient()
    if (user := account(role)) is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, user.login_email)}")
    return client


def outcome(response) -> int | str:
    if response.status_code == 302 and "/admin/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def tracked_application() -> SimpleNamespace:
    client, created, _ = signed_in(name="Role Matrix")
    r = client.post("/api/v1/applications", {"title": "Roles", "company": "Acme", "applied": False}, format="json")
    caught_up(int(r["X-Event-Position"]))
    return SimpleNamespace(id=r.json()["id"], candidate_id=created["id"])


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, live_projector):
    """One candidate for the checks that change nothing (or must not)."""
    with django_db_blocker.unblock():
        return tracked_application()


@pytest.fixture
def application(live_projector):
    """A candidate of its own, for a test where staff really act."""
    return tracked_application()


ADMIN_PAGES = [
    ("/admin/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=200, staff=200)),
    ("/admin/projections/candidaterecord/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=200)),
    ("/admin/projections/applicationrecord/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=200)),
    ("/admin/projections/jobrecord/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=200)),
    ("/admin/projections/notificationrecord/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=200)),
    ("/admin/operations/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=200)),
    ("/admin/streams/{candidate_id}/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=200, staff=200)),
    ("/admin/token_blacklist/outstandingtoken/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=404, staff=404)),
    ("/admin/token_blacklist/blacklistedtoken/", dict(anonymous=LOGIN, candidate=LOGIN, auditor=404, staff=404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "expected"), ADMIN_PAGES, ids=[p for p, _ in ADMIN_PAGES])
def test_admin_pages_by_role(shared, role, path, expected):
    response = browser(role).get(path.format(candidate_id=shared.candidate_id))
    assert outcome(response) == expected[role]


@pytest.mark.parametrize("role", ("anonymous", "candidate", "auditor"))
def test_only_staff_withdraw_from_the_admin(jobraker, shared, role):
    response = browser(role).post(
        "/admin/projections/applicationrecord/", {"action": "withdraw", "_selected_action": [shared.id]}
    )
    assert outcome(response) == (403 if role == "auditor" else LOGIN)
    assert jobraker.get_application(UUID(shared.id)).status is not Status.WITHDRAWN


@pytest.mark.parametrize("role", ("anonymous", "candidate", "auditor"))
def test_only_staff_start_exports_from_the_admin(shared, role):
    response = browser(role).post(
        "/admin/projections/candidaterecord/", {"action": "export_data", "_selected_action": [shared.candidate_id]}
    )
    assert outcome(response) == (403 if role == "auditor" else LOGIN)
    assert not DataExport.objects.filter(candidate_id=shared.candidate_id).exists()


def test_staff_start_exports_from_the_admin(application):
    response = browser("staff").post(
        "/admin/projections/candidaterecord/", {"action": "export_data", "_selected_action": [application.candidate_id]}
    )
    assert response.status_code == 302
    assert DataExport.objects.filter(candidate_id=application.candidate_id, requested_by="staff").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_rebuild_projections(role):
    response = browser(role).post("/admin/operations/", {"rebuild": "nope"})
    expected = dict(anonymous=LOGIN, candidate=LOGIN, auditor=403, staff=302)[role]
    assert outcome(response) == expected


def test_no_token_text_in_any_admin_page(live_projector):
    client, created, email = signed_in()
    tokens = APIClient().post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json").json()
    assert OutstandingToken.objects.filter(user_id=created["id"]).exists()  # the tokens exist in the database
    assert OutstandingToken not in admin.site._registry and BlacklistedToken not in admin.site._registry
    staff = browser("staff")
    pages = ["/admin/"] + [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    for page in pages:
        text = staff.get(page, follow=True).content.decode()
        assert tokens["refresh"] not in text and tokens["access"] not in text, page
        assert tokens["refresh"].split(".")[1] not in text, page  # nor its payload (the jti, the user id)


STAFF_ENDPOINTS = [
    ("get", "/api/v1/staff/projection-lag", None, dict(anonymous=401, candidate=403, auditor=403, staff=200)),
    ("get", "/api/v1/staff/adzuna-usage", None, dict(anonymous=401, candidate=403, auditor=403, staff=200)),
    ("post", "/api/v1/jobs", {"external_id": "roles-{n}", "title": "T", "company": "C"},
     dict(anonymous=401, candidate=403, auditor=403, staff=201)),
    ("post", "/api/v1/candidates/{candidate_id}/exports", None, dict(anonymous=401, candidate=403, auditor=403, staff=202)),
    ("post", "/api/v1/candidates/{candidate_id}/erasure", None, dict(anonymous=401, candidate=403, auditor=403, staff=202)),
    ("get", "/api/v1/audit/streams/{candidate_id}/events", None, dict(anonymous=401, candidate=403, auditor=200, staff=200)),
    ("get", "/api/v1/audit/streams/{candidate_id}/state", None, dict(anonymous=401, candidate=403, auditor=200, staff=200)),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), STAFF_ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in STAFF_ENDPOINTS])
def test_staff_and_audit_endpoints_by_role(application, method, path, body, expected):
    url = path.format(candidate_id=application.candidate_id)
    for role in ROLES:  # staff last: the erasure is real
        data = {k: v.format(n=uuid4().hex) for k, v in body.items()} if body else None
        response = getattr(api_client(role), method)(url, data, format="json")
        assert response.status_code == expected[role], (role, response.content)


def test_an_auditor_is_never_recorded_as_acting():
    with pytest.raises(PermissionDenied):
        actor_of(SimpleNamespace(user=SimpleNamespace(role=Role.AUDITOR)))
