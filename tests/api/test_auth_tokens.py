"""JWT login, rotating refresh tokens, logout blacklisting, and the brute-force throttle."""

from __future__ import annotations

from rest_framework.test import APIClient

from ..api_helpers import PASSWORD, caught_up, register


def test_refresh_rotates_and_logout_blacklists(live_projector):
    client = APIClient()
    from ..conftest import unique_email

    email = unique_email()
    created = register(client, email)
    tokens = client.post(
        "/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json",
        **caught_up(created["position"]),
    ).json()
    rotated = client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    new_refresh = rotated.json()["refresh"]
    assert new_refresh != tokens["refresh"]
    # The old refresh token was blacklisted by the rotation.
    assert client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert client.post("/api/v1/auth/logout", {"refresh": new_refresh}, format="json").status_code == 200
    assert client.post("/api/v1/auth/token/refresh", {"refresh": new_refresh}, format="json").status_code == 401


def test_login_is_throttled_against_brute_force(live_projector):
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token", {"email": "victim@example.org", "password": f"guess-{i}"}, format="json").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    last = client.post("/api/v1/auth/token", {"email": "victim@example.org", "password": "x"}, format="json")
    assert last["Content-Type"] == "application/problem+json" and "Retry-After" in last


def test_an_erased_candidates_refresh_token_answers_401_not_500(live_projector):
    """The account row goes with the erasure; simplejwt's refresh looked it up with .get() (a 500)."""
    from ..api_helpers import signed_in

    owner, created, email = signed_in()
    tokens = APIClient().post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json").json()
    erased = owner.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json")
    assert erased.status_code == 202
    caught_up(int(erased["X-Event-Position"]))
    refused = APIClient().post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401, refused.content
    assert refused["Content-Type"] == "application/problem+json"
