"""`jobraker createstaff`: the README's way to make staff and auditor accounts (it did not exist).
The password comes from the environment or a prompt, never from the command line."""

from __future__ import annotations

import getpass

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Account, Role
from jobraker.cli import STAFF_PASSWORD_VARIABLE, build_parser, main
from jobraker.privacy.blind_index import email_index

from ..api_helpers import PASSWORD, login, signed_in
from ..conftest import unique_email


def signed_in_as(email: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, email)}")
    return client

def test_staff_created_from_the_environment_act_as_staff(monkeypatch, capsys, live_projector):
    email = unique_email("staff")
    monkeypatch.setenv(STAFF_PASSWORD_VARIABLE, PASSWORD)
    assert main(["createstaff", email.upper()]) == 0
    assert f"created staff account {Account.objects.get_by_natural_key(email).id}" in capsys.readouterr().out
    account = Account.objects.get_by_natural_key(email)
    assert (account.role, account.is_staff, account.is_superuser) == (Role.STAFF, True, False)
    staff = signed_in_as(email)
    job = staff.post("/api/v1/jobs", {"external_id": f"createstaff-{email}", "title": "T", "company": "C"}, format="json")
    assert job.status_code == 201

def test_an_auditor_reads_and_changes_nothing(monkeypatch, live_projector):
    owner, created, _ = signed_in()
    email = unique_email("auditor")
    monkeypatch.setenv(STAFF_PASSWORD_VARIABLE, PASSWORD)
    assert main(["createstaff", email, "--role", "auditor"]) == 0
    account = Account.objects.get_by_natural_key(email)
    assert (account.role, account.is_staff) == (Role.AUDITOR, False)
    auditor = signed_in_as(email)
    assert auditor.get(f"/api/v1/candidates/{created['id']}").status_code == 200
    assert auditor.post("/api/v1/jobs", {"external_id": "x", "title": "T", "company": "C"}, format="json").status_code == 403
    assert APIClient().get(f"/api/v1/candidates/{created['id']}").status_code == 401  # anonymous
    assert owner.get(f"/api/v1/candidates/{created['id']}").status_code == 200

def test_the_password_is_asked_twice_when_not_in_the_environment(monkeypatch):
    monkeypatch.delenv(STAFF_PASSWORD_VARIABLE, raising=False)
    answers = iter([PASSWORD, PASSWORD + " typo"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    email = unique_email("typo")
    assert main(["createstaff", email]) == 1
    assert not Account.objects.filter(email_index=email_index(email)).exists()
    answers = iter([PASSWORD, PASSWORD])
    assert main(["createstaff", email]) == 0
    assert Account.objects.get_by_natural_key(email).check_password(PASSWORD)

def test_a_password_is_never_a_command_line_argument():
    for argv in (["createstaff", "a@example.org", "--password", PASSWORD], ["createstaff", "a@example.org", PASSWORD]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(argv)

@pytest.mark.parametrize(("email", "password", "why"), [
    ("not-an-address", PASSWORD, "is not an e-mail address"),
    (None, "short", "too short"),
    (None, "password123", "too common"),
])
def test_bad_input_creates_nothing_and_says_why(monkeypatch, capsys, email, password, why):
    email = email or unique_email("weak")
    monkeypatch.setenv(STAFF_PASSWORD_VARIABLE, password)
    assert main(["createstaff", email]) == 1
    assert why in capsys.readouterr().err
    assert not Account.objects.filter(email_index=email_index(email)).exists()

def test_an_address_with_an_account_is_refused(monkeypatch, capsys, live_projector):
    _, _, email = signed_in()  # a candidate's
    monkeypatch.setenv(STAFF_PASSWORD_VARIABLE, PASSWORD)
    assert main(["createstaff", email, "--role", "auditor"]) == 1
    assert "already in use" in capsys.readouterr().err
    assert Account.objects.get_by_natural_key(email).role == Role.CANDIDATE
