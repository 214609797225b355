"""A rebuild writes each batch's rows together (issue 15): the rows it makes equal the ones the
projector made event by event, whatever the batch size, with rows that span batches, a revised
and an expired listing, a candidate's tracked job and an erasure in the middle."""

from __future__ import annotations

import pytest

from jobraker.domain.application import Actor
from jobraker.privacy.erasure import erase_candidate
from jobraker.projections import base
from jobraker.projections.applications import ApplicationProjection, TimelineProjection
from jobraker.projections.jobs import JobProjection
from jobraker.projections.models import JobRecord, TimelineEntry

from ..conftest import unique_email
from ..system.test_projection_rebuild import snapshot


def history(jobraker) -> tuple[set, set, object]:
    candidates, jobs = set(), set()
    erased, _ = jobraker.register_candidate(unique_email(), "Erased Midway", "h")
    kept, _ = jobraker.register_candidate(unique_email(), "Kept Going", "h")
    candidates |= {erased, kept}
    external = unique_email()
    for n, candidate in enumerate([erased, kept, kept]):
        job_id, _ = jobraker.post_job(source="batch", external_id=f"{external}-{n}", title=f"Role {n}", company="Acme")
        jobs.add(job_id)
        app_id, _ = jobraker.track_application(candidate, job_id, applied=True)
        jobraker.add_note(app_id, f"note {n}", Actor.CANDIDATE)
        jobraker.add_note(app_id, f"second note {n}", Actor.CANDIDATE)
    jobs.add(jobraker.track_job(erased, "https://jobs.example.org/own", title="Own find", company="Elsewhere"))
    erase_candidate(jobraker, erased, "candidate")
    jobraker.post_job(source="batch", external_id=f"{external}-1", title="Role 1, revised", company="Acme")
    jobraker.expire_job(jobraker.post_job(source="batch", external_id=f"{external}-2", title="Role 2", company="Acme")[0])
    return candidates, jobs, kept


@pytest.mark.parametrize("batch", [40, 2000])  # 40: rows and an erasure across batches of the shared log
def test_a_batched_rebuild_equals_the_projector_event_by_event(jobraker, projector, no_live_projector, monkeypatch, batch):
    candidates, jobs, kept = history(jobraker)
    projector.catch_up()
    incremental = snapshot(candidates, jobs)
    assert incremental["applications"] and all(row["notes"] == 2 for row in incremental["applications"])
    assert len(incremental["applications"]) == 2  # the erased candidate's application went
    monkeypatch.setattr(base, "REBUILD_BATCH", batch)
    for projection in (JobProjection(), ApplicationProjection(), TimelineProjection()):
        projector.rebuild(projection)
    assert snapshot(candidates, jobs) == incremental
    assert JobRecord.objects.filter(id__in=jobs, search__isnull=True, owner_id__isnull=True).count() == 0
    assert TimelineEntry.objects.filter(candidate_id=kept).count() == 2 * 3
