"""Candidates follow employers' boards themselves (issue 18, item 1): through the API, as
Candidate events whose board and company name are sealed, projected into the boards the
scheduler fetches; a board stays followed while anyone follows it, and erasure takes the
candidate's follows with it."""

from __future__ import annotations

from uuid import UUID

import pytest

from jobraker.accounts.models import Role
from jobraker.domain.candidate import MAX_FOLLOWED_BOARDS
from jobraker.privacy.erasure import erase_candidate
from jobraker.sources.models import BoardFollower, FollowedBoard
from jobraker.workers.actors import ingest_boards_followed_by

from ..api_helpers import caught_up, operator, signed_in, wait

# Its own database: the sandbox boards' rows are shared state other modules follow too.
pytestmark = pytest.mark.usefixtures("module_database")

BOARDS = "/api/v1/candidates/me/boards"


def follow(client, source: str, token: str, company: str = "") -> dict[str, str]:
    response = client.post(BOARDS, {"source": source, "token": token, "company": company}, format="json")
    assert response.status_code == 201, response.content
    return wait(client, response)


def test_a_followed_board_is_fetched_at_once_and_shown_with_its_state(live_projector):
    client, me, _ = signed_in(name="Board Follower")
    headers = follow(client, "lever", "sandbox-contoso", "Contoso (the bakery)")
    board = FollowedBoard.objects.get(source="lever", token="sandbox-contoso")
    assert board.followed_by == "candidates" and board.company == "sandbox-contoso"  # not the name they gave

    ingest_boards_followed_by.fn(me["id"], "test")  # what the relay sends on Candidate.BoardFollowed
    [shown] = client.get(BOARDS, **headers).json()
    assert shown["company"] == "Contoso (the bakery)" and shown["listings"] == 3
    assert shown["last_fetched_at"] is not None and shown["last_error"] == ""

    again = client.post(BOARDS, {"source": "lever", "token": "sandbox-contoso"}, format="json")
    assert again.status_code == 201 and again.json()["position"] == 0  # followed already: nothing recorded


def test_bad_boards_are_refused_with_the_field_and_the_limit_holds(live_projector):
    client, _, _ = signed_in(name="Eager Follower")
    bad = client.post(BOARDS, {"source": "lever", "token": "../admin"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "token"
    assert client.post(BOARDS, {"source": "workday", "token": "acme"}, format="json").status_code == 400
    for n in range(MAX_FOLLOWED_BOARDS):
        assert client.post(BOARDS, {"source": "ashby", "token": f"company-{n}"}, format="json").status_code == 201
    over = client.post(BOARDS, {"source": "ashby", "token": "one-too-many"}, format="json")
    assert over.status_code == 409 and str(MAX_FOLLOWED_BOARDS) in over.json()["detail"]
    assert client.delete(f"{BOARDS}/ashby/never-followed").status_code == 404


def test_a_board_stays_followed_while_anyone_follows_it(live_projector):
    first, _, _ = signed_in(name="First Follower")
    second, _, _ = signed_in(name="Second Follower")
    staff = operator(Role.STAFF)
    follow(first, "ashby", "shared-board")
    headers = follow(second, "ashby", "shared-board")
    assert BoardFollower.objects.filter(board__token="shared-board").count() == 2

    refused = staff.delete("/api/v1/staff/boards/ashby/shared-board")
    assert refused.status_code == 409 and "2 candidate(s)" in refused.json()["detail"]
    wait(first, first.delete(f"{BOARDS}/ashby/shared-board"))
    assert FollowedBoard.objects.filter(token="shared-board").exists()
    assert second.get(BOARDS, **headers).json()[0]["token"] == "shared-board"
    wait(second, second.delete(f"{BOARDS}/ashby/shared-board"))
    assert not FollowedBoard.objects.filter(token="shared-board").exists()
    assert second.delete(f"{BOARDS}/ashby/shared-board").status_code == 404


def test_a_board_staff_follow_too_outlives_its_candidate_followers(live_projector):
    client, _, _ = signed_in(name="Early Follower")
    follow(client, "greenhouse", "staff-also")
    staff = operator(Role.STAFF)
    assert staff.post("/api/v1/staff/boards", {"source": "greenhouse", "token": "staff-also"}, format="json").status_code == 201
    wait(client, client.delete(f"{BOARDS}/greenhouse/staff-also"))
    assert FollowedBoard.objects.get(token="staff-also").followed_by.startswith("staff:")


def test_what_a_candidate_follows_is_sealed_and_erased(jobraker, live_projector):
    client, me, _ = signed_in(name="Private Follower")
    follow(client, "greenhouse", "quietly-hiring-co", "Quietly Hiring Company")
    candidate_id = UUID(me["id"])
    stored = _stored_events_of(jobraker, candidate_id)
    assert stored and all(b"quietly-hiring" not in state.lower() for state in stored)  # sealed, not in the event log

    erase_candidate(jobraker, candidate_id, by="candidate")
    caught_up(jobraker.recorder.max_notification_id())
    assert not BoardFollower.objects.filter(candidate_id=candidate_id).exists()
    assert not FollowedBoard.objects.filter(token="quietly-hiring-co").exists()  # nobody else followed it
    assert jobraker.get_candidate(candidate_id).followed_boards == {}  # replayed: the sealed token reads ERASED


def _stored_events_of(jobraker, candidate_id: UUID) -> list[bytes]:
    """The BoardFollowed events as stored (the recorder's rows, not decrypted)."""
    return [e.state for e in jobraker.recorder.select_events(candidate_id) if e.topic.endswith("BoardFollowed")]
