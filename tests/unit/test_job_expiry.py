"""A listing's expiry says why (Job.Expired version 2); events of version 1 still load."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from jobraker.domain.job import Job


def _job() -> Job:
    return Job.post(source="greenhouse", external_id=f"b:{uuid4().hex}", title="T", company="C")


def test_expiry_records_its_reason_once():
    job = _job()
    job.expire("no longer on the employer's greenhouse board")
    job.expire("again")
    expired = [e for e in job.collect_events() if isinstance(e, Job.Expired)]
    assert len(expired) == 1 and expired[0].reason == "no longer on the employer's greenhouse board"
    assert job.is_expired and job.expired_because == "no longer on the employer's greenhouse board"


def test_a_version_1_expiry_upcasts_to_no_reason():
    state = {"originator_id": uuid4(), "originator_version": 2, "timestamp": datetime.now(UTC)}
    Job.Expired.upcast_v1_v2(state)
    assert state["reason"] == ""
