"""Password guessing: X-Forwarded-For is believed only from configured proxies, and every
password check (API login, erasure, the admin login) is throttled."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from jobraker.accounts.models import Account, Role
from jobraker.config import ConfigError, load_settings
from jobraker.projections.models import CandidateRecord

from ..api_helpers import PASSWORD, signed_in
from ..conftest import unique_email

TOKEN = "/api/v1/auth/token"


def guess(client: APIClient, email: str, attempt: int, **headers: str) -> int:
    return client.post(TOKEN, {"email": email, "password": f"guess-{attempt}"}, format="json", **headers).status_code


def trusting(proxies: int):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies})


def test_trusted_proxies_default_to_none_and_are_validated(tmp_path: Path):
    assert load_settings({"JOBRAKER_DATA_DIR": str(tmp_path)}).trusted_proxies == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ConfigError, match="JOBRAKER_TRUSTED_PROXIES"):
        load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_TRUSTED_PROXIES": "-1"})


def test_rotating_x_forwarded_for_does_not_escape_the_login_throttle():
    """The attack as reported: 40 wrong passwords, each with a new X-Forwarded-For."""
    client, victim = APIClient(), unique_email("victim")
    statuses = [guess(client, victim, i, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(40)]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}


def test_behind_one_proxy_the_address_it_appended_is_the_client():
    client, victim = APIClient(), unique_email("victim")
    with trusting(1):
        # The attacker's own entries rotate; the proxy's appended entry (their real address) does not.
        spoofed = [guess(client, victim, i, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 198.51.100.7") for i in range(12)]
        other_client = guess(client, victim, 99, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert spoofed[:10] == [401] * 10 and spoofed[10:] == [429, 429]
    assert other_client == 401  # another client behind the same proxy has its own allowance


def test_one_account_is_throttled_across_many_addresses():
    """A botnet guessing one account: the per-account allowance holds whatever the address."""
    client, victim = APIClient(), unique_email("victim")
    statuses = [guess(client, victim, i, REMOTE_ADDR=f"192.0.2.{i}") for i in range(32)]
    assert statuses[:30] == [401] * 30 and statuses[30:] == [429, 429]
    assert guess(client, unique_email("bystander"), 0, REMOTE_ADDR="192.0.2.200") == 401


def test_erasure_password_guesses_are_throttled(live_projector):
    client, created, _ = signed_in()
    statuses = [
        client.post("/api/v1/candidates/me/erasure", {"password": f"guess-{i}"}, format="json").status_code
        for i in range(7)
    ]
    assert statuses[:5] == [403] * 5 and statuses[5:] == [429, 429]
    # Even the right password waits now: the allowance is for checks, not for failures.
    right = client.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json")
    assert right.status_code == 429 and "Retry-After" in right
    assert CandidateRecord.objects.get(id=created["id"]).is_active


def staff_account(email: str) -> None:
    Account.objects.create_user(email, PASSWORD, role=Role.STAFF, is_staff=True)


def admin_login(browser: Client, email: str, password: str, **headers: str) -> int:
    return browser.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"}, **headers).status_code


def test_admin_login_locks_out_after_repeated_wrong_passwords():
    """The attack as reported: 30 wrong staff passwords in seconds (here with a rotating X-Forwarded-For)."""
    email = unique_email("staff")
    staff_account(email)
    browser = Client()
    statuses = [admin_login(browser, email, f"guess-{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(30)]
    assert statuses[:4] == [200] * 4  # the login form again, with its error
    assert set(statuses[4:]) == {429}  # the fifth failure locks
    locked = browser.post("/admin/login/", {"username": email, "password": PASSWORD, "next": "/admin/"})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    # The account is locked from any address too, while another staff member still gets in.
    assert admin_login(Client(REMOTE_ADDR="198.51.100.1"), email, PASSWORD) == 429
    colleague = unique_email("staff")
    staff_account(colleague)
    assert admin_login(Client(REMOTE_ADDR="198.51.100.2"), colleague, PASSWORD) == 302


def test_api_login_failures_do_not_lock_the_admin():
    """The API's login has its own throttle; its failures are not counted against the admin."""
    email = unique_email("staff")
    staff_account(email)
    for i in range(10):
        assert guess(APIClient(), email, i) == 401
    assert admin_login(Client(), email, PASSWORD) == 302
