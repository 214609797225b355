"""A tampered pagination cursor answers 400 problem+json on every cursor-paginated list
(it used to reach the database as a timestamp, a 500, or answer 404)."""

from __future__ import annotations

from base64 import b64encode
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role

from ..api_helpers import operator, signed_in, wait

LISTS = ("/api/v1/jobs", "/api/v1/applications", "/api/v1/notifications")


def cursor(text: str) -> str:
    return b64encode(text.encode()).decode()


TAMPERED = {
    "position not a timestamp": cursor("p=not-a-date"),
    "position with a NUL": cursor("p=2026-01-01T00:00:00\x00"),
    "position out of range": cursor("p=2026-13-45T99:00:00"),
    "offset not a number": cursor("o=abc"),
    "reverse not a number": cursor("r=yes&p=2026-01-01T00:00:00"),
    "not base64": "!!!not-base64!!!",
    "not ascii": "%C3%A9t%C3%A9",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        owner, _, _ = signed_in(name="Owner")
        other, _, _ = signed_in(name="Other")
        staff = operator(Role.STAFF)
        for n in range(3):
            r = staff.post("/api/v1/jobs", {"external_id": f"cursor-{n}", "title": "Django developer", "company": "Acme"}, format="json")
            r = owner.post("/api/v1/applications", {"job_id": r.json()["id"]}, format="json", **wait(owner, r))
        owner.get("/api/v1/applications", **wait(owner, r))
        return SimpleNamespace(clients={"anonymous": APIClient(), "owner": owner, "other": other, "staff": staff})


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("name", TAMPERED)
@pytest.mark.parametrize("role", ("owner", "other", "staff"))
def test_a_tampered_cursor_answers_400_problem(world, path, name, role):
    response = world.clients[role].get(f"{path}?cursor={TAMPERED[name]}")
    if role == "staff" and path == "/api/v1/notifications":
        assert response.status_code == 403  # candidates only; the cursor is never read
        return
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The cursor is not one this API gave out; start again without it."


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_is_refused_before_the_cursor_is_read(world, path):
    response = world.clients["anonymous"].get(f"{path}?cursor={TAMPERED['position not a timestamp']}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_cursor_the_api_gave_out_still_pages(world):
    owner = world.clients["owner"]
    first = owner.get("/api/v1/applications?page_size=2").json()
    assert first["next"]
    second = owner.get(first["next"]).json()
    assert second["results"]
    assert not {a["id"] for a in first["results"]} & {a["id"] for a in second["results"]}


def test_jobs_page_through_listings_without_a_posting_date(world):
    staff = world.clients["staff"]
    for n in range(3):
        r = staff.post("/api/v1/jobs", {"external_id": f"undated-{n}-{id(world)}", "title": "Undated", "company": "Acme"}, format="json")
    owner = world.clients["owner"]
    owner.get("/api/v1/jobs", **wait(owner, r))
    first = owner.get("/api/v1/jobs?page_size=2")
    assert first.status_code == 200 and first.json()["next"]
    second = owner.get(first.json()["next"])
    assert second.status_code == 200, second.content
