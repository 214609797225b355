"""JSON nested 1,000 deep answered 500 (RecursionError in the parser), anonymously on
/auth/token too; any body nested past the limit now answers 400 problem+json."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.api.parsers import MAX_JSON_DEPTH, json_depth

from ..api_helpers import operator, signed_in


def nested(depth: int, key: str = "email") -> bytes:
    """An object whose ``key`` holds lists nested ``depth`` deep in all (the attack as written)."""
    return (f'{{"{key}": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()


@pytest.fixture(scope="module")
def clients(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        owner, _, _ = signed_in(name="Owner")
        other, _, _ = signed_in(name="Other")
        return SimpleNamespace(anonymous=APIClient(), owner=owner, other=other, staff=operator(Role.STAFF))


def assert_too_deep(response) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "nested deeper than" in response.json()["detail"]


@pytest.mark.parametrize("depth", (MAX_JSON_DEPTH + 1, 1_000, 100_000))
@pytest.mark.parametrize("path", ("/api/v1/auth/token", "/api/v1/auth/register", "/api/v1/auth/token/refresh"))
def test_anonymous_deep_json_answers_400(clients, path, depth):
    assert_too_deep(clients.anonymous.post(path, nested(depth), content_type="application/json"))


# (role, method, path) on endpoints that read a JSON body
AUTHENTICATED = [
    ("owner", "patch", "/api/v1/candidates/me/profile"),
    ("other", "patch", "/api/v1/candidates/me/preferences"),
    ("owner", "post", "/api/v1/alerts"),
    ("other", "post", "/api/v1/applications"),
    ("owner", "patch", "/api/v1/notifications/settings"),
    ("staff", "post", "/api/v1/jobs"),
    ("owner", "post", "/api/v1/applications/bulk"),
]


@pytest.mark.parametrize(("role", "method", "path"), AUTHENTICATED)
def test_deep_json_answers_400_on_json_endpoints(clients, role, method, path):
    response = getattr(getattr(clients, role), method)(path, nested(1_000, "name"), content_type="application/json")
    assert_too_deep(response)


def test_json_at_the_limit_reaches_the_serializer(clients):
    response = clients.anonymous.post("/api/v1/auth/token", nested(MAX_JSON_DEPTH), content_type="application/json")
    assert response.status_code in (400, 401)
    assert "nested deeper than" not in response.content.decode()


def test_depth_is_counted_without_recursion():
    value: list = []
    for _ in range(50_000):
        value = [value]
    assert json_depth(value) == MAX_JSON_DEPTH + 1  # stops as soon as the limit is passed
    assert json_depth({"a": [1, {"b": []}], "c": "x"}) == 4
    assert json_depth("scalar") == 0
