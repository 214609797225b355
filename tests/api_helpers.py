"""Clients signed in as each role, for API tests (real JWTs through the real login endpoint)."""

from __future__ import annotations

import time

from rest_framework.test import APIClient

from jobraker.accounts.models import Account, Role

from .conftest import unique_email

PASSWORD = "correct horse battery staple"


def register(client: APIClient, email: str | None = None, name: str = "Ada Lovelace") -> dict:
    response = client.post(
        "/api/v1/auth/register",
        {"email": email or unique_email(), "name": name, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


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


def signed_in(email: str | None = None, name: str = "Ada Lovelace") -> tuple[APIClient, dict, str]:
    """A registered candidate's client (needs the live projector), their registration and e-mail."""
    client = APIClient()
    email = email or unique_email()
    created = register(client, email, name)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, email, created['position'])}")
    return client, created, email


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
