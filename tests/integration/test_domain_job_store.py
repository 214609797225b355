"""Jobs through the real store: round trips and the upcast of version-1 events (the aggregate's own tests are in tests/unit/test_domain_job.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.domain.errors import InvalidValue
from jobraker.domain.job import Job

from ..unit.test_domain_job import BASE, listings, revisions, state_of


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listing=listings, history=st.lists(revisions, max_size=5), expire=st.booleans())
def test_jobs_round_trip_through_the_store(jobraker, listing, history, expire):
    job = Job.post(**{**listing, "external_id": f"{listing['external_id']}-{uuid4()}"})
    for revision in history:
        try:
            job.revise(**revision)
        except InvalidValue:
            pass
    if expire:
        job.expire()
    jobraker.save(job)
    loaded = jobraker.repository.get(job.id)
    assert state_of(loaded) == state_of(job)


def test_a_version_1_posted_event_is_upcast_with_an_unpredicted_salary(jobraker):
    job = Job.post(
        **BASE, salary_min=30_000, salary_max=40_000, salary_is_predicted=True,
        posted_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    )
    [posted] = job.collect_events()
    stored_v2 = jobraker.mapper.to_stored_event(posted)
    state = json.loads(stored_v2.state)
    assert state["class_version"] == 3 and state["salary_is_predicted"] is True

    # The v3 event reads back as it was written.
    assert vars(jobraker.mapper.to_domain_event(stored_v2)) == vars(posted)

    # The same event as version 1 wrote it: no salary_is_predicted, no place detail, no class_version.
    del state["salary_is_predicted"], state["class_version"], state["location_area"], state["latitude"], state["longitude"]
    stored_v1 = StoredEvent(
        originator_id=stored_v2.originator_id,
        originator_version=stored_v2.originator_version,
        topic=stored_v2.topic,
        state=json.dumps(state).encode(),
    )
    upcast = jobraker.mapper.to_domain_event(stored_v1)
    assert isinstance(upcast, Job.Posted)
    assert upcast.salary_is_predicted is False
    assert {k: v for k, v in vars(upcast).items() if k != "salary_is_predicted"} == {
        k: v for k, v in vars(posted).items() if k != "salary_is_predicted"
    }
    rebuilt = upcast.mutate(None)
    assert rebuilt.salary_is_predicted is False
    assert (rebuilt.id, rebuilt.title, rebuilt.salary_min, rebuilt.posted_at) == (
        job.id, "Data Engineer", 30_000, datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    )


def test_a_version_2_posted_event_is_upcast_without_place_detail(jobraker):
    """Version 3 added the source's place hierarchy and coordinates; a listing posted before has neither."""
    job = Job.post(**BASE, location="Irvine, Orange County", country="us",
                   location_area=["US", "California", "Orange County", "Irvine"], latitude=33.75, longitude=-117.75)
    [posted] = job.collect_events()
    stored = jobraker.mapper.to_stored_event(posted)
    state = json.loads(stored.state)
    assert state["location_area"] == ["US", "California", "Orange County", "Irvine"]
    state["class_version"] = 2
    del state["location_area"], state["latitude"], state["longitude"]
    old = StoredEvent(originator_id=stored.originator_id, originator_version=stored.originator_version,
                      topic=stored.topic, state=json.dumps(state).encode())
    upcast = jobraker.mapper.to_domain_event(old)
    assert (upcast.location_area, upcast.latitude, upcast.longitude) == ([], None, None)
    rebuilt = upcast.mutate(None)
    assert rebuilt.location == "Irvine, Orange County" and rebuilt.location_area == []
    # A later ingestion that brings the hierarchy records it as a change.
    rebuilt.revise(location_area=["US", "California", "Orange County", "Irvine"])
    [changed] = rebuilt.collect_events()
    assert changed.changes == {"location_area": ["US", "California", "Orange County", "Irvine"]}
