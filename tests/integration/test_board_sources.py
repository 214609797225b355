"""Employers' job boards as sources (issue 18, items 1 and 3): each API's wire format through a
real socket (quirks and errors included), the shared rate limit, incremental ingestion, and a
posting that leaves its board expiring — with the applications still waiting for it withdrawn."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from jobraker.appliers.expired_listings import withdraw_for_expired_listing
from jobraker.appliers.submit import not_a_listing
from jobraker.components import redis_client
from jobraker.domain.application import Actor, Status
from jobraker.domain.job import job_id
from jobraker.sources.boards.client import BoardClient, BoardFormatError, BoardNotFound, BoardTransientError
from jobraker.sources.boards.following import follow, unfollow
from jobraker.sources.boards.ingest import ingest_board

from ..api_helpers import operator, signed_in
from ..conftest import unique_email
from ..fakes.board_server import FakeBoards


@pytest.fixture
def boards():
    with FakeBoards() as fake:
        yield fake


def client_for(fake: FakeBoards, **kwargs) -> BoardClient:
    return BoardClient(fake.base_urls(), **kwargs)


def by_title(listings: list[dict]) -> dict[str, dict]:
    return {listing["title"]: listing for listing in listings}


def test_greenhouse_escaped_html_places_and_remote_in_the_title(boards):
    listings = by_title(client_for(boards).fetch("greenhouse", "sandbox-northwind", "Northwind"))
    robotics = listings["Robotics Software Engineer"]
    assert robotics["description"].startswith("Write the motion-planning") and "<" not in robotics["description"]
    assert "&lt;" not in robotics["description"] and robotics["description"].endswith("Apply with your CV.")
    assert (robotics["country"], robotics["remote"]) == ("gb", False)
    assert robotics["external_id"] == "sandbox-northwind:4001"
    assert robotics["url"] == "https://job-boards.greenhouse.io/sandbox-northwind/jobs/4001"
    assert listings["Site Reliability Engineer (Remote)"]["remote"] is True
    assert robotics["posted_at"] == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def test_lever_bare_array_millisecond_dates_yearly_pay_and_the_apply_form(boards):
    listings = by_title(client_for(boards).fetch("lever", "sandbox-contoso", "Contoso Foods"))
    scientist = listings["Food Scientist"]
    assert (scientist["salary_min"], scientist["salary_max"], scientist["salary_currency"]) == (32000, 40000, "GBP")
    assert scientist["url"].endswith("/apply") and scientist["company"] == "Contoso Foods"
    assert scientist["posted_at"] == datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
    assert (scientist["contract_time"], listings["Warehouse Shift Lead"]["contract_time"]) == ("full_time", "part_time")
    assert listings["Data Analyst"]["salary_currency"] == ""  # no pay given: no currency either


def test_lever_pay_per_hour_is_not_taken_as_a_yearly_salary(boards):
    body = copy.deepcopy(boards.boards[("lever", "sandbox-contoso")])
    body[0]["salaryRange"] = {"currency": "GBP", "interval": "per-hour-wage", "min": 12, "max": 14}
    boards.boards[("lever", "sandbox-contoso")] = body
    scientist = by_title(client_for(boards).fetch("lever", "sandbox-contoso", "C"))["Food Scientist"]
    assert scientist["salary_min"] is None and scientist["salary_currency"] == ""


def test_ashby_leaves_unlisted_postings_out_and_reads_the_salary_tier(boards):
    listings = by_title(client_for(boards).fetch("ashby", "sandbox-fabrikam", "Fabrikam"))
    assert "Head of Clinical Safety (confidential search)" not in listings  # isListed: false
    nurse = listings["Registered Nurse - Telehealth"]
    assert (nurse["remote"], nurse["country"], nurse["salary_min"], nurse["salary_currency"]) == (True, "gb", 34000, "GBP")
    assert nurse["url"].endswith("/application")


def test_ashby_posting_without_an_id_takes_it_from_its_url(boards):
    body = copy.deepcopy(boards.boards[("ashby", "sandbox-northwind")])
    del body["jobs"][0]["id"]  # as in Ashby's documented example
    boards.boards[("ashby", "sandbox-northwind")] = body
    [robotics] = client_for(boards).fetch("ashby", "sandbox-northwind", "Northwind")
    assert robotics["external_id"] == "sandbox-northwind:9d8e7f60-0001-4aa1-b2c3-d4e5f6000001"


@pytest.mark.parametrize(("failure", "error"), [
    (429, BoardTransientError), (500, BoardTransientError), (503, BoardTransientError),
    ("drop", BoardTransientError), ("garbage", BoardFormatError), (403, BoardFormatError),
])
def test_answers_are_sorted_by_what_they_mean(boards, failure, error):
    boards.fail_next = [failure]
    with pytest.raises(error):
        client_for(boards).fetch("lever", "sandbox-contoso", "C")


def test_429_carries_retry_after_and_an_unknown_board_is_not_found(boards):
    boards.fail_next = [429]
    with pytest.raises(BoardTransientError) as raised:
        client_for(boards).fetch("greenhouse", "sandbox-northwind", "N")
    assert raised.value.retry_after == 7
    with pytest.raises(BoardNotFound):
        client_for(boards).fetch("greenhouse", "no-such-board", "N")


def test_a_wrong_shape_is_a_format_error_not_a_crash(boards):
    boards.boards[("ashby", "sandbox-fabrikam")] = {"apiVersion": "1", "jobs": [{"title": None}]}
    with pytest.raises(BoardFormatError):
        client_for(boards).fetch("ashby", "sandbox-fabrikam", "F")


def test_tokens_that_could_reach_another_path_are_refused_before_any_call(boards):
    for token in ("../admin", "a/b", "", "x" * 101, "a b"):
        with pytest.raises(ValueError):
            client_for(boards).fetch("greenhouse", token, "N")
    assert boards.requests == []


def test_the_rate_limit_is_shared_in_redis_per_api(boards):
    backend = RedisBackend(client=redis_client())
    key = f"test-board-api-{uuid4().hex}"

    def permit(source: str):
        return WindowRateLimiter(backend, f"{key}:{source}", limit=2, window=60).acquire(raise_on_failure=False)

    first, second = client_for(boards, limiter=permit), client_for(boards, limiter=permit)
    first.fetch("lever", "sandbox-contoso", "C")
    second.fetch("lever", "sandbox-contoso", "C")
    with pytest.raises(BoardTransientError, match="rate limit"):
        first.fetch("lever", "sandbox-contoso", "C")
    second.fetch("ashby", "sandbox-fabrikam", "F")  # each API has its own window
    assert len(boards.requests) == 3


def _followed(token: str, source: str = "lever"):
    unfollow(source, token)
    return follow(source, token, "Contoso Foods", by="test")


def test_ingestion_posts_once_then_only_changes_and_expires_what_left_the_board(jobraker, boards):
    token = f"co-{uuid4().hex[:8]}"
    boards.boards[("lever", token)] = copy.deepcopy(boards.boards[("lever", "sandbox-contoso")])
    board, client = _followed(token), client_for(boards)

    first = ingest_board(jobraker, board, client, redis_client())
    assert (first.fetched, first.posted, first.expired) == (3, 3, 0)
    again = ingest_board(jobraker, board, client, redis_client())
    assert (again.posted, again.unchanged) == (0, 3)

    postings = boards.boards[("lever", token)]
    postings[1]["text"] = "Senior Data Analyst"
    gone = postings.pop(2)
    third = ingest_board(jobraker, board, client, redis_client())
    assert (third.posted, third.unchanged, third.expired) == (1, 1, 1)
    job = jobraker.get_job(job_id("lever", f"{token}:{gone['id']}"))
    assert job.is_expired and job.expired_because == "no longer on the employer's lever board"
    assert jobraker.get_job(job_id("lever", f"{token}:{postings[1]['id']}")).title == "Senior Data Analyst"
    board.refresh_from_db()
    assert board.listings == 2 and board.last_error == "" and board.last_fetched_at is not None


def test_a_board_that_answers_404_expires_nothing(jobraker, boards):
    token = f"co-{uuid4().hex[:8]}"
    boards.boards[("lever", token)] = copy.deepcopy(boards.boards[("lever", "sandbox-contoso")])
    board = _followed(token)
    ingest_board(jobraker, board, client_for(boards), redis_client())
    del boards.boards[("lever", token)]
    report = ingest_board(jobraker, board, client_for(boards), redis_client())
    assert report.expired == 0
    board.refresh_from_db()
    assert "no board" in board.last_error and board.listings == 3
    assert not any(jobraker.get_job(job_id("lever", ext)).is_expired for ext in board.seen)


def test_an_unsafe_link_is_left_out(jobraker, boards):
    token = f"co-{uuid4().hex[:8]}"
    body = copy.deepcopy(boards.boards[("lever", "sandbox-contoso")])
    body[0]["applyUrl"] = "http://169.254.169.254/latest/meta-data/"
    boards.boards[("lever", token)] = body
    report = ingest_board(jobraker, _followed(token), client_for(boards), redis_client())
    assert (report.posted, report.refused) == (2, 1)


def test_an_expired_listing_withdraws_what_waits_for_it_and_is_never_sent(jobraker, projector):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Waiting Person", "h")
    listing = dict(source="lever", external_id=f"gone-{uuid4().hex}", title="Baker", company="Contoso",
                   location="Leeds", country="gb", description="Bread", url="https://jobs.lever.co/contoso/1/apply")
    jid, _ = jobraker.post_job(**listing)
    application_id, _ = jobraker.shortlist_match(candidate_id, jid, 80, "local", {}, Actor.SYSTEM)
    projector.catch_up()
    jobraker.expire_job(jid, reason="no longer on the employer's lever board")

    assert not_a_listing(jobraker, jobraker.get_application(application_id)).startswith("the listing expired")
    assert withdraw_for_expired_listing(jobraker, jid) == [application_id]
    application = jobraker.get_application(application_id)
    assert application.status is Status.WITHDRAWN
    assert withdraw_for_expired_listing(jobraker, jid) == []  # a redelivered message does nothing


def test_staff_follow_list_and_unfollow_a_board_through_the_api(live_projector):
    from jobraker.accounts.models import Role

    staff = operator(Role.STAFF)
    token = f"sandbox-api-{uuid4().hex[:6]}"
    refused = staff.post("/api/v1/staff/boards", {"source": "lever", "token": "../x"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "token"
    assert staff.post("/api/v1/staff/boards", {"source": "workday", "token": "x"}, format="json").status_code == 400
    created = staff.post("/api/v1/staff/boards", {"source": "lever", "token": token, "company": "Api Co"}, format="json")
    assert created.status_code == 201 and created.json()["company"] == "Api Co"
    again = staff.post("/api/v1/staff/boards", {"source": "lever", "token": token}, format="json")
    assert again.status_code == 201 and again.json()["company"] == "Api Co"  # following again: the same board
    assert token in [b["token"] for b in staff.get("/api/v1/staff/boards").json()]
    candidate, _, _ = signed_in(name="Board Curious")
    assert candidate.get("/api/v1/staff/boards").status_code == 403
    assert staff.delete(f"/api/v1/staff/boards/lever/{token}").status_code == 204
    assert staff.delete(f"/api/v1/staff/boards/lever/{token}").status_code == 404


def test_the_sandbox_boards_under_up_go_through_the_real_client_and_rate_limit(jobraker):
    from jobraker.sources.boards.following import follow_sandbox_boards
    from jobraker.sources.models import FollowedBoard
    from jobraker.workers.actors import ingest_board as actor

    follow_sandbox_boards()
    actor.fn("ashby", "sandbox-fabrikam")  # what the worker runs: settings' client, sandbox transport, Redis limiter
    board = FollowedBoard.objects.get(source="ashby", token="sandbox-fabrikam")
    assert board.listings == 3 and board.last_error == ""
    nurse = jobraker.get_job(job_id("ashby", "sandbox-fabrikam:3f2a9b10-0001-4c55-8d1e-7b2c4d000001"))
    assert nurse.company == "Fabrikam Health [sandbox]" and nurse.remote


def test_the_boards_command_follows_lists_and_refuses_bad_tokens(capsys):
    from jobraker.cli import main

    token = f"sandbox-cli-{uuid4().hex[:6]}"
    assert main(["boards", "follow", "greenhouse", token, "--company", "Cli Co"]) == 0
    assert main(["boards", "list"]) == 0
    assert token in capsys.readouterr().out
    assert main(["boards", "follow", "greenhouse", "../etc"]) == 2
    assert "token must be" in capsys.readouterr().err
    assert main(["boards", "unfollow", "greenhouse", token]) == 0
    assert "unfollowed" in capsys.readouterr().out
