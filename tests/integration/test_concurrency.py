"""Concurrent commands on one aggregate: every accepted command's event is stored; none is
silently lost or overwritten (a loser either retries on fresh state or is told it lost)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from jobraker.domain.application import Actor
from jobraker.domain.errors import ConcurrentUpdate, StaleVersion

from ..conftest import unique_email


def test_concurrent_notes_are_all_kept_or_refused(jobraker):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Racer", "h")
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="T", company="C")
    app_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    start = threading.Barrier(8)

    def note(i: int) -> bool:
        start.wait()
        try:
            return jobraker.add_note(app_id, f"note {i}", Actor.CANDIDATE) > 0
        except ConcurrentUpdate:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(note, range(8)))

    assert accepted >= 1
    assert jobraker.get_application(app_id).notes == accepted


def test_stale_expected_version_is_refused(jobraker):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Stale", "h")
    jobraker.change_profile(candidate_id, {"headline": "first"}, expected_version=1)
    try:
        jobraker.change_profile(candidate_id, {"headline": "second"}, expected_version=1)
    except StaleVersion as exc:
        assert exc.current == 2
    else:
        raise AssertionError("a stale version was accepted")
    assert jobraker.get_candidate(candidate_id).profile.headline == "first"


def test_two_ingestions_posting_one_new_listing_at_once_both_succeed(jobraker):
    """Both read "not posted yet"; the second save loses the race and revises the job instead."""
    listing = dict(source="test", external_id=unique_email(), title="Racing listing", company="C")
    start = threading.Barrier(6)

    def post(i: int) -> str:
        start.wait()
        try:
            return str(jobraker.post_job(**listing)[0])
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(post, range(6)))
    assert len(ids) == 1
    assert jobraker.get_job(next(iter(ids))).title == "Racing listing"
