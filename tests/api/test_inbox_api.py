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

from ..api_helpers import operator, signed_in
from ..integration.test_personal_data import jobraker_url

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


def test_the_owner_sees_the_mail_on_the_timeline_and_confirms_its_proposal(live_projector, private_hosts, jobraker):
    """End to end through the API: a tracked application, the mailbox on a real Dovecot, an
    invitation read by the poller, its proposal on the timeline, confirmed with one POST to the
    existing transitions endpoint. Nobody else sees it."""
    from jobraker.inbox.sync import poll_mailbox

    from ..api_helpers import wait
    from ..fakes.imap_server import employer_mail, remove, start_dovecot
    from ..integration.test_inbox_sync import INVITATION, SENDER

    server = start_dovecot()
    try:
        owner, created, _ = signed_in()
        tracked = owner.post("/api/v1/applications", {"title": "Backend Engineer", "company": "Initech",
                                                      "url": "https://jobs.initech.example/42"}, format="json")
        assert tracked.status_code == 201, tracked.content
        app_id = tracked.json()["id"]
        owner.get(f"/api/v1/applications/{app_id}", **wait(owner, tracked))
        connected = owner.put(URL, {**GIVEN, "port": server.port, "user": server.user, "password": server.password},
                              format="json")
        assert connected.status_code == 200
        server.deliver(employer_mail(SENDER, *INVITATION))
        assert poll_mailbox(jobraker, UUID(created["id"])).recorded == 1
    finally:
        remove(server)

    position = jobraker.recorder.max_notification_id()
    from ..api_helpers import caught_up

    detail = owner.get(f"/api/v1/applications/{app_id}", **caught_up(position))
    [mail] = [entry for entry in detail.json()["timeline"] if entry["action"] == "mail"]
    assert mail["detail"]["proposed"] == "schedule_interview" and mail["detail"]["subject"] == INVITATION[0]
    other, _, _ = signed_in()
    assert other.get(f"/api/v1/applications/{app_id}").status_code == 404

    confirmed = owner.post(f"/api/v1/applications/{app_id}/transitions",
                           {"action": mail["detail"]["proposed"], "at": mail["detail"]["interview_at"]}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert owner.get(f"/api/v1/applications/{app_id}", **wait(owner, confirmed)).json()["status"] == "interviewing"
    assert owner.get(URL).json()["messages_read"] == 1


def test_the_forwarding_address_endpoints_for_each_role(live_projector):
    owner, _, _ = signed_in(name="Forwarding Owner")
    other, _, _ = signed_in(name="Forwarding Other")
    url = "/api/v1/candidates/me/forwarding-address"
    assert APIClient().post(url).status_code == 401
    for role in (Role.STAFF, Role.AUDITOR):
        assert operator(role).post(url).status_code == 403
    assert owner.get(url).status_code == 404
    created = owner.post(url)
    assert created.status_code == 201 and created.json()["address"].endswith("@inbox.localhost")
    assert owner.post(url).json()["address"] == created.json()["address"]  # the same address again
    assert owner.get(url).json()["messages_received"] == 0
    assert other.get(url).status_code == 404  # only their own, and they have none
    assert other.post(url).json()["address"] != created.json()["address"]
    assert owner.delete(url).status_code == 204 and owner.get(url).status_code == 404
    assert owner.delete(url).status_code == 404
