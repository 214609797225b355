"""Identity: random ids, e-mail reservations by blind index, one registration answer for every
address, verification before automation, and tokens that end at logout and erasure."""

from __future__ import annotations

import statistics
import threading
import time
from uuid import UUID

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Account, AddressInUse, EmailReservation, Role
from jobraker.delivery.identity_mail import verification_token
from jobraker.domain.errors import CandidateAlreadyRegistered
from jobraker.privacy.blind_index import email_index
from jobraker.projections.models import ProjectionPosition
from jobraker.projections.registry import all_projections

from ..api_helpers import PASSWORD, REGISTRATION_ANSWER, candidate_id_of, caught_up, login, operator, signed_in
from ..conftest import relay_from_now, unique_email

AUTOMATION = "/api/v1/candidates/me/automation"
VERIFY = "/api/v1/auth/verify"


def post_registration(email: str, name: str = "Ada Lovelace"):
    return APIClient().post("/api/v1/auth/register", {"email": email, "name": name, "password": PASSWORD}, format="json")


def answer_of(response) -> tuple[int, bytes, dict[str, str]]:
    """Everything a caller sees, but the per-request id and the times (Date, and Expires from no-store)."""
    headers = {k: v for k, v in response.headers.items() if k not in ("X-Request-ID", "Date", "Expires")}
    return response.status_code, response.content, headers


def head(jobraker) -> int:
    return jobraker.recorder.max_notification_id() or 0


def erase_through_the_api(email: str, position: int) -> UUID:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, email, position)}")
    candidate_id = candidate_id_of(email, position)
    assert client.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json").status_code == 202
    return candidate_id


# ---------------------------------------------------------------------------
# Ids and reservations


def test_ids_are_random_not_derived_from_the_address(jobraker):
    email = unique_email()
    first, _ = jobraker.register_candidate(email, "First", "h")
    assert first.version == 4  # uuid4
    reservation = EmailReservation.objects.get(email_index=email_index(email))
    assert (reservation.subject_id, reservation.kind) == (first, Role.CANDIDATE)
    assert email not in reservation.email_index and len(reservation.email_index) == 64


def test_a_second_registration_of_an_address_stores_nothing(jobraker):
    email = unique_email()
    jobraker.register_candidate(email, "First", "h")
    before = head(jobraker)
    with pytest.raises(CandidateAlreadyRegistered):
        jobraker.register_candidate(f"  {email.upper()} ", "Second", "h")
    assert head(jobraker) == before


def test_concurrent_registrations_of_one_address_give_one_candidate(jobraker):
    email = unique_email("race")
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def register() -> None:
        start.wait()
        try:
            jobraker.register_candidate(email, "Racer", "h")
            outcomes.append("registered")
        except CandidateAlreadyRegistered:
            outcomes.append("taken")

    threads = [threading.Thread(target=register) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["registered", "taken", "taken", "taken"]
    assert EmailReservation.objects.filter(email_index=email_index(email)).count() == 1


def test_staff_and_candidates_cannot_share_an_address(jobraker):
    staff_email = unique_email("staff")
    staff = Account.objects.create_user(staff_email, PASSWORD, role=Role.STAFF, is_staff=True)
    assert EmailReservation.objects.get(email_index=email_index(staff_email)).subject_id == staff.id
    with pytest.raises(CandidateAlreadyRegistered):
        jobraker.register_candidate(staff_email, "Impostor", "h")
    candidate_email = unique_email()
    jobraker.register_candidate(candidate_email, "Candidate", "h")
    with pytest.raises(AddressInUse):
        Account.objects.create_user(candidate_email, PASSWORD, role=Role.AUDITOR)
    assert not Account.objects.filter(role=Role.AUDITOR, email_index=email_index(candidate_email)).exists()


def test_registering_a_staff_or_auditor_address_answers_alike_and_stops_no_projection(jobraker, live_projector):
    fresh = post_registration(unique_email())
    for role in (Role.STAFF, Role.AUDITOR):
        address = unique_email(role.value)
        Account.objects.create_user(address, PASSWORD, role=role, is_staff=role == Role.STAFF)
        before = head(jobraker)
        attempt = post_registration(address, "Impostor")
        assert answer_of(attempt) == answer_of(fresh)
        assert head(jobraker) == before  # no Candidate.Registered stored for it
        assert Account.objects.get_by_natural_key(address).role == role
    # Every projection goes on: a later candidate is read and can log in.
    later = unique_email()
    post_registration(later)
    position = head(jobraker)
    caught_up(position)
    names = [p.name for p in all_projections()]
    assert all(p.position >= position for p in ProjectionPosition.objects.filter(name__in=names))
    assert login(APIClient(), later, position)


def test_accounts_and_candidate_rows_keep_no_plaintext_address(live_projector):
    from django.db import connection

    client, created, email = signed_in()
    assert client.get("/api/v1/candidates/me").json()["email"] == email  # opened on read
    with connection.cursor() as cursor:
        for table in ("jobraker_accounts", "jobraker_candidates", "jobraker_email_reservations"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")  # noqa: S608 (constant names)
            rows = "\n".join(r[0] for r in cursor.fetchall())
            assert email not in rows and email.split("@")[0] not in rows, table


# ---------------------------------------------------------------------------
# One answer for a new, a used and an erased address


def test_new_used_and_erased_addresses_get_byte_identical_answers(jobraker, live_projector):
    used, erased_address = unique_email("used"), unique_email("erased")
    new = post_registration(unique_email("new"))
    first_of_used = post_registration(used)
    post_registration(erased_address)
    old_id = erase_through_the_api(erased_address, head(jobraker))
    again_used = post_registration(used, "Someone Else")
    again_erased = post_registration(erased_address, "Back Again")
    assert answer_of(new) == answer_of(first_of_used) == answer_of(again_used) == answer_of(again_erased)
    assert (new.status_code, new.json()) == (202, REGISTRATION_ANSWER)

    # The erased address came back as a new, unrelated candidate who can log in.
    position = head(jobraker)
    new_id = candidate_id_of(erased_address, position)
    assert new_id != old_id and new_id.version == 4
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, erased_address, position)}")
    me = client.get("/api/v1/candidates/me").json()
    assert (me["id"], me["name"], me["address_verified"]) == (str(new_id), "Back Again", False)
    assert jobraker.get_candidate(old_id).is_erased


def test_a_used_address_answers_about_as_fast_as_a_new_one(live_projector, production_password_cost):
    used = unique_email("timed")
    post_registration(used)

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert post_registration(email).status_code == 202
        return time.perf_counter() - started

    # Alternated, so that the load of a shared machine falls on both alike.
    pairs = [(timed(unique_email("timed-new")), timed(used)) for _ in range(9)]
    new_median = statistics.median(new for new, _ in pairs)
    used_median = statistics.median(used for _, used in pairs)
    print(f"registration median: new {new_median * 1000:.1f} ms, used {used_median * 1000:.1f} ms")
    # Both hash the password (Argon2: most of the time); the rest is one save of one event each
    # (the registration; the owner's RegistrationAttempted), a few ms to tens of ms.
    assert abs(new_median - used_median) < 0.5 * max(new_median, used_median)


def test_registration_emails_a_link_to_a_new_address_and_a_note_to_a_used_one(jobraker, dramatiq_worker, mailoutbox):
    relay = relay_from_now(jobraker)
    new, used = unique_email("mail-new"), unique_email("mail-used")
    jobraker.register_candidate(used, "Owner", "h", address_verified=True)  # no link of its own
    post_registration(new)
    post_registration(used, "Intruder")
    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)

    [link_mail] = [m for m in mailoutbox if m.to == [new]]
    assert link_mail.subject == "Jobraker: Confirm your e-mail address"
    token = link_mail.body.split(f"{VERIFY}?token=")[1].split()[0]
    [note] = [m for m in mailoutbox if m.to == [used]]
    assert note.subject == "Jobraker: Someone tried to register with your address"
    assert "Intruder" not in note.body and VERIFY not in note.body

    verified = APIClient().get(VERIFY, {"token": token})  # the link, as a mail client opens it
    assert verified.status_code == 200, verified.content
    assert jobraker.get_candidate(UUID(verified.json()["id"])).address_verified
    # Filed under the candidate, as every mail about them, so that erasure finds and removes it.
    from jobraker.delivery.outbox import SUBJECT_HEADER

    assert {m.extra_headers[SUBJECT_HEADER] for m in (link_mail, note)} == {
        verified.json()["id"], str(jobraker_id_of(jobraker, used)),
    }


# ---------------------------------------------------------------------------
# Verification


def test_login_needs_no_verification_but_auto_apply_does(live_projector):
    client, created, _ = signed_in(verified=False)
    me = client.get("/api/v1/candidates/me")
    assert me.status_code == 200 and me.json()["address_verified"] is False
    assert client.post("/api/v1/candidates/me/consents", {"kind": "auto_apply", "version": "2026-01"}, format="json").status_code == 200
    for mode in ("approve", "full"):
        refused = client.put(AUTOMATION, {"mode": mode, "strategy": "balanced"}, format="json")
        assert refused.status_code == 409, refused.content
        assert refused["Content-Type"] == "application/problem+json" and "not verified" in refused.json()["detail"]
    assert client.put(AUTOMATION, {"mode": "suggest", "strategy": "balanced"}, format="json").status_code == 200

    r = APIClient().post(VERIFY, {"token": verification_token(created["id"])}, format="json")
    assert r.status_code == 200 and r.json()["detail"] == "Your e-mail address is verified."
    allowed = client.put(AUTOMATION, {"mode": "full", "strategy": "balanced"}, format="json", **caught_up(r.json()["position"]))
    assert allowed.status_code == 200, allowed.content
    assert client.get("/api/v1/candidates/me", **caught_up(allowed.json()["position"])).json()["address_verified"] is True


def test_the_token_alone_decides_what_is_verified(live_projector):
    """Anonymous, the owner, another candidate and staff: a valid token verifies its candidate
    (whoever sends it), and nobody verifies anything without one."""
    owner, created, _ = signed_in(verified=False)
    other, other_created, _ = signed_in(verified=False)
    staff = operator(Role.STAFF)
    for client in (APIClient(), owner, other, staff):
        assert client.post(VERIFY, {}, format="json").status_code == 400
        assert client.get(VERIFY).status_code == 400
    token = verification_token(created["id"])
    positions = []
    for client in (APIClient(), owner, other, staff):  # verifying again is a no-op, still 200
        r = client.post(VERIFY, {"token": token}, format="json")
        assert r.status_code == 200 and r.json()["id"] == created["id"]
        positions.append(r.json()["position"] or 0)
    position = max(positions)  # the first call's event: the no-ops after it record nothing
    assert owner.get("/api/v1/candidates/me", **caught_up(position)).json()["address_verified"] is True
    assert other.get("/api/v1/candidates/me").json()["address_verified"] is False


def test_tampered_expired_and_erased_tokens_are_refused(jobraker, live_projector, monkeypatch):
    from django.core import signing

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Late", "h")
    token = verification_token(candidate_id)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", signing.dumps("not-a-uuid", salt="jobraker.address-verification")):
        r = APIClient().post(VERIFY, {"token": bad}, format="json")
        assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 49 * 3600)  # issued 49 h ago (valid 48 h)
    expired = verification_token(candidate_id)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert APIClient().post(VERIFY, {"token": expired}, format="json").status_code == 400
    assert not jobraker.get_candidate(candidate_id).address_verified

    from jobraker.privacy.erasure import erase_candidate

    erase_candidate(jobraker, candidate_id, "staff")
    assert APIClient().post(VERIFY, {"token": token}, format="json").status_code == 400


# ---------------------------------------------------------------------------
# Tokens end at logout and erasure


def test_logout_ends_the_access_token_at_once(live_projector):
    client = APIClient()
    email = unique_email()
    position = APIClient().post("/api/v1/auth/register", {"email": email, "name": "Out", "password": PASSWORD}, format="json")
    tokens = client.post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json",
                         **caught_up(head_of_log())).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/v1/candidates/me").status_code == 200
    assert APIClient().post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 200
    refused = client.get("/api/v1/candidates/me")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    # Logging in again gives tokens that work.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(APIClient(), email)}")
    assert client.get("/api/v1/candidates/me").status_code == 200
    assert position.status_code == 202


def test_erasure_ends_access_and_refresh_tokens_with_401(live_projector):
    client = APIClient()
    email = unique_email()
    APIClient().post("/api/v1/auth/register", {"email": email, "name": "Gone", "password": PASSWORD}, format="json")
    tokens = client.post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json",
                         **caught_up(head_of_log())).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    erased = client.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json")
    assert erased.status_code == 202
    # At once (before any projection has read the erasure) and after it.
    assert client.get("/api/v1/candidates/me").status_code == 401
    assert APIClient().post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    caught_up(int(erased["X-Event-Position"]))
    assert client.get("/api/v1/candidates/me").status_code == 401
    refresh = APIClient().post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401 and refresh["Content-Type"] == "application/problem+json"


def head_of_log() -> int:
    from jobraker.eventstore.app import get_jobraker

    return head(get_jobraker())


def test_a_candidate_registered_before_verification_keeps_its_id_and_counts_as_verified(jobraker, live_projector):
    """A version-1 Candidate.Registered (derived uuid5 id, no address_verified) from an existing
    store: the candidate keeps the id, reads as verified (keeps automation), logs in by address."""
    from dataclasses import replace
    from uuid import uuid5

    from django.contrib.auth.hashers import make_password

    from jobraker.domain.candidate import Candidate
    from jobraker.domain.commands.candidates import CANDIDATE_NAMESPACE

    email = unique_email("legacy")
    old_id = uuid5(CANDIDATE_NAMESPACE, email)
    [registered] = Candidate.register(id=old_id, email=email, name="Old Timer", password_hash=make_password(PASSWORD)).collect_events()
    stored = jobraker.mapper.to_stored_event(registered)
    state = jobraker.mapper.transcoder.decode(stored.state)
    state.pop("class_version"), state.pop("address_verified")  # exactly the version-1 shape
    position = jobraker.recorder.insert_events([replace(stored, state=jobraker.mapper.transcoder.encode(state))])[0]

    candidate = jobraker.get_candidate(old_id)
    assert candidate.id == old_id and candidate.address_verified and candidate.email == email
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, email, position)}")
    me = client.get("/api/v1/candidates/me").json()
    assert (me["id"], me["email"], me["address_verified"]) == (str(old_id), email, True)


def test_createstaff_reserves_the_address_and_refuses_one_in_use(jobraker, monkeypatch, capsys):
    from jobraker.cli import STAFF_PASSWORD_VARIABLE, main

    address = unique_email("auditor")
    monkeypatch.setenv(STAFF_PASSWORD_VARIABLE, PASSWORD)
    assert main(["createstaff", address, "--role", "auditor"]) == 0
    account = Account.objects.get_by_natural_key(address)
    assert (account.role, account.is_staff, account.check_password(PASSWORD)) == (Role.AUDITOR, False, True)
    assert capsys.readouterr().out.strip() == f"created auditor account {account.id}"
    assert EmailReservation.objects.get(email_index=email_index(address)).kind == Role.AUDITOR

    taken = unique_email()
    jobraker.register_candidate(taken, "Candidate", "h")
    assert main(["createstaff", taken, "--role", "staff"]) == 1
    assert "already in use" in capsys.readouterr().err


def test_createsuperuser_takes_an_address_and_reserves_it(monkeypatch):
    from django.core.management import call_command

    address = unique_email("super")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, email_index=address, verbosity=0)
    account = Account.objects.get_by_natural_key(address)
    assert (account.role, account.is_staff, account.is_superuser) == (Role.STAFF, True, True)
    assert EmailReservation.objects.get(email_index=email_index(address)).subject_id == account.id


def jobraker_id_of(jobraker, email: str) -> UUID:
    """The candidate id of an address, from its reservation (keyed by its blind index)."""
    return EmailReservation.objects.get(email_index=email_index(email)).subject_id
