"""``/candidates/me/mailbox`` (issue 18 item 4): the owner connects, reads (never the password)
and removes their mailbox; another candidate, staff, auditors and anonymous callers cannot touch
it. The connection is sealed at rest, refuses private hosts outside tests, and erasure removes it."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.config import get_settings
from jobraker.inbox.models import Mailbox, SeenMessage
from jobraker.privacy.erasure import erase_candidate

from .api_helpers import operator, signed_in
from .test_personal_data import jobraker_url

URL = "/api/v1/candidates/me/mailbox"
GIVEN = {"host": "127.0.0.1", "port": 1143, "user": "ada@example.org", "password": "app-pass-7f3a9", "security": "none"}


@pytest.fixture
def private_hosts(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JOBRAKER_INBOX_PRIVATE_HOSTS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def stored_connection(candidate_id: str) -> str:
    with psycopg.connect(jobraker_url()) as conn:
        return conn.execute("SELECT connection FROM inbox_mailbox WHERE candidate_id = %s", (candidate_id,)).fetchone()[0]


def test_the_mailbox_endpoints_for_each_role(live_projector, private_hosts):
    owner, created, _ = signed_in()
    assert owner.get(URL).status_code == 404
    put = owner.put(URL, GIVEN, format="json")
    assert put.status_code == 200, put.content
    shown = owner.get(URL).json()
    assert {k: shown[k] for k in ("host", "port", "user", "security", "last_error")} == {
        "host": "127.0.0.1", "port": 1143, "user": "ada@example.org", "security": "none", "last_error": ""}
    assert "password" not in shown and "app-pass-7f3a9" not in put.content.decode()
    # Sealed at rest: neither the password nor the user name is readable in the table.
    raw = stored_connection(created["id"])
    assert raw.startswith("sealed:v1:") and "app-pass" not in raw and "ada@example.org" not in raw

    other, _, _ = signed_in()
    assert other.get(URL).status_code == 404  # theirs is not connected; the owner's is not shown
    assert other.delete(URL).status_code == 404
    assert Mailbox.objects.filter(candidate_id=created["id"]).exists()

    anonymous = APIClient()
    assert anonymous.get(URL).status_code == 401
    assert anonymous.put(URL, GIVEN, format="json").status_code == 401
    assert anonymous.delete(URL).status_code == 401
    for role in (Role.STAFF, Role.AUDITOR):
        staff = operator(role)
        assert staff.get(URL).status_code == 403
        assert staff.put(URL, GIVEN, format="json").status_code == 403
        assert staff.delete(URL).status_code == 403

    assert owner.delete(URL).status_code == 204
    assert owner.get(URL).status_code == 404
    assert not Mailbox.objects.filter(candidate_id=created["id"]).exists()


def test_private_hosts_and_plaintext_are_refused_outside_tests(live_projector):
    owner, _, _ = signed_in()
    for host in ("127.0.0.1", "localhost", "10.0.0.5", "imap.corp"):
        refused = owner.put(URL, {**GIVEN, "security": "ssl", "host": host}, format="json")
        assert refused.status_code in (400, 422), (host, refused.content)
    plaintext = owner.put(URL, {**GIVEN, "host": "imap.mail.example.com", "security": "none"}, format="json")
    assert plaintext.status_code in (400, 422) and "security" in plaintext.content.decode()
    assert owner.put(URL, {**GIVEN, "user": "a", "unknown": 1}, format="json").status_code == 400
    accepted = owner.put(URL, {"host": "imap.mail.example.com", "user": "ada@example.org", "password": "p"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["port"] == 993  # ssl by default


def test_erasure_removes_the_mailbox_and_what_was_read(live_projector, private_hosts, jobraker):
    owner, created, _ = signed_in()
    assert owner.put(URL, GIVEN, format="json").status_code == 200
    SeenMessage.objects.create(candidate_id=created["id"], digest="0" * 64, kind="other")
    erase_candidate(jobraker, UUID(created["id"]), "candidate")
    assert not Mailbox.objects.filter(candidate_id=created["id"]).exists()
    assert not SeenMessage.objects.filter(candidate_id=created["id"]).exists()
