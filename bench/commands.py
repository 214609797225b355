"""Command throughput through the domain service: Jobraker's encrypted store vs the same
domain service on the bare eventsourcing library (default mapper and recorder), same database.

One pipeline per iteration: post a job, track an application to it, then
mark_applied, schedule_interview, add_note (personal: sealed) and record_offer,
all for one candidate: six commands, six events.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from common import Row, rate

PIPELINES = int(os.environ.get("BENCH_PIPELINES", 150))
COMMANDS_PER_PIPELINE = 6


def pipeline(service, candidate_id: uuid.UUID) -> None:
    from jobraker.domain.application import Actor

    job_id, _ = service.post_job(source="bench", external_id=uuid.uuid4().hex, title="Django developer", company="Acme")
    app_id, _ = service.track_application(candidate_id, job_id, applied=False)
    service.move_application(app_id, "mark_applied", Actor.CANDIDATE)
    service.move_application(app_id, "schedule_interview", Actor.CANDIDATE, at=datetime(2026, 12, 1, tzinfo=UTC))
    service.add_note(app_id, "Spoke to the hiring manager; second round next week.", Actor.CANDIDATE)
    service.move_application(app_id, "record_offer", Actor.CANDIDATE)


def run(database_url: str) -> list[Row]:
    from jobraker.config import get_settings
    from jobraker.domain.service import Jobraker
    from jobraker.eventstore.app import build_jobraker, recorder_env

    ours = build_jobraker(get_settings())
    env = {k: v for k, v in recorder_env(database_url).items() if k != "APPLICATION_RECORDER_TOPIC"}

    class BareJobraker(Jobraker):
        name = "barejobraker"  # its own events table, same database

    bare = BareJobraker(env)
    events = PIPELINES * COMMANDS_PER_PIPELINE
    candidate = uuid.uuid4()
    pipeline(bare, candidate), pipeline(ours, candidate)  # warm both: connections, prepared statements, key cache
    base = rate(lambda: [pipeline(bare, candidate) for _ in range(PIPELINES)], events)
    measured = rate(lambda: [pipeline(ours, candidate) for _ in range(PIPELINES)], events)
    ours.close()
    bare.close()
    return [Row("commands: job → application → 4 moves", "bare library", base, "Jobraker service", measured)]
