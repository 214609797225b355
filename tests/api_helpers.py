"""Clients signed in as each role, for API tests (real JWTs through the real login endpoint)."""

from __future__ import annotations

import time
from uuid import UUID

from rest_framework.test import APIClient

from jobraker.accounts.models import Account, Role

from .conftest import unique_email

PASSWORD = "correct horse battery staple"


REGISTRATION_ANSWER = {"detail": "Thank you. Check your inbox: we have sent a message to the address you gave."}


def register(client: APIClient, email: str | None = None, name: str = "Ada Lovelace") -> dict:
    """Register through the API; returns the position to wait for before logging in.

    The answer is the same 202 for every address (it names no id and no position); the
    registration's event is at or before the log's last position right after it."""
    from jobraker.eventstore.app import get_jobraker

    response = client.post(
        "/api/v1/auth/register",
        {"email": email or unique_email(), "name": name, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json() == REGISTRATION_ANSWER
    return {"position": get_jobraker().recorder.max_notification_id() or 0}


def candidate_id_of(email: str, position: int) -> UUID:
    """The id the registration of ``email`` got (random: found through the login account)."""
    caught_up(position)
    return Account.objects.get_by_natural_key(email).id


def verify(client: APIClient, candidate_id: str) -> int:
    """Open the candidate's verification link (the token the e-mail would carry)."""
    from jobraker.delivery.identity_mail import verification_token

    response = APIClient().post("/api/v1/auth/verify", {"token": verification_token(candidate_id)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["position"]


def caught_up(position: int, timeout: float = 120.0) -> dict[str, str]:
    """Wait until the live projector has read ``position``, then send it as X-Min-Position too.

    The server's own wait is bounded to 2 s; a loaded CI machine can lag longer than that (after
    the event-volume tests the projector has some ten thousand events to read)."""
    from jobraker.projections.positions import slowest_position
    from jobraker.projections.registry import all_projections

    names = [p.name for p in all_projections()]
    deadline = time.monotonic() + timeout
    while slowest_position(names) < position and time.monotonic() < deadline:
        time.sleep(0.02)
    return {"HTTP_X_MIN_POSITION": str(position)}


def login(client: APIClient, email: str, position: int | None = None) -> str:
    headers = caught_up(position) if position else {}
    response = client.post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()["access"]


def signed_in(
    email: str | None = None, name: str = "Ada Lovelace", verified: bool = True
) -> tuple[APIClient, dict, str]:
    """A registered candidate's client (needs the live projector), {"id", "position"} and e-mail.
    ``verified``: the address was confirmed through the link (automation needs it)."""
    from rest_framework_simplejwt.tokens import AccessToken

    client = APIClient()
    email = email or unique_email()
    position = register(client, email, name)["position"]
    access = login(client, email, position)
    candidate_id = str(AccessToken(access)["user_id"])
    if verified:
        position = verify(client, candidate_id)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client, {"id": candidate_id, "position": position}, email


def operator(role: Role) -> APIClient:
    """A staff or auditor account, created by an operator (not through events)."""
    email = unique_email(role.value)
    Account.objects.create_user(email, PASSWORD, role=role, is_staff=role == Role.STAFF)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, email)}")
    return client


def wait(client: APIClient, response) -> dict[str, str]:
    """Headers that make the next request read this command's write."""
    return caught_up(int(response["X-Event-Position"]))
