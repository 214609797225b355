"""Rebuilding a projection from the log gives exactly the rows incremental projection gave."""

from __future__ import annotations

import os
import subprocess
import sys

from django.forms.models import model_to_dict

from jobraker.domain.application import Actor
from jobraker.projections.models import ApplicationRecord, CandidateRecord, JobRecord, TimelineEntry

from ..conftest import unique_email


def snapshot(candidates: set, jobs: set) -> dict[str, list]:
    """The read rows about these candidates and jobs, in a stable order (contents and positions).

    Scoped to what the test wrote: other tests destroy keys without recording the erasure
    (which production never does), so their rows legitimately differ after a rebuild."""

    def rows(queryset, order, drop=()):
        return [
            {k: v for k, v in model_to_dict(o).items() if k not in drop} | ({} if "id" in drop else {"pk": str(o.pk)})
            for o in queryset.order_by(*order)
        ]

    return {
        "candidates": rows(CandidateRecord.objects.filter(id__in=candidates), ["id"]),
        "jobs": rows(JobRecord.objects.filter(id__in=jobs), ["id"], drop=("search",)),
        "applications": rows(ApplicationRecord.objects.filter(candidate_id__in=candidates), ["id"]),
        "timeline": rows(TimelineEntry.objects.filter(candidate_id__in=candidates), ["aggregate_id", "version"], drop=("id",)),
    }


def make_history(jobraker) -> tuple[set, set]:
    candidates, jobs = set(), set()
    for n in range(3):
        candidate_id, _ = jobraker.register_candidate(unique_email(), f"Rebuild {n}", "h")
        jobraker.change_profile(candidate_id, {"skills": ["Django", f"skill-{n}"]})
        job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title=f"Job {n}", company="Acme")
        app_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
        jobraker.add_note(app_id, f"note {n}", Actor.CANDIDATE)
        jobraker.move_application(app_id, "record_rejection", Actor.CANDIDATE)
        candidates.add(candidate_id)
        jobs.add(job_id)
    jobraker.post_job(source="test", external_id="rebuild-revised", title="Old title", company="Acme")
    jobs.add(jobraker.post_job(source="test", external_id="rebuild-revised", title="New title", company="Acme")[0])
    return candidates, jobs


def test_rebuild_equals_incremental(own_database, jobraker, projector):
    candidates, jobs = make_history(jobraker)
    projector.catch_up()
    incremental = snapshot(candidates, jobs)
    for projection in projector.projections:
        projector.rebuild(projection)
    rebuilt = snapshot(candidates, jobs)
    for table in incremental:
        assert len(rebuilt[table]) == len(incremental[table]), table
        for before, after in zip(incremental[table], rebuilt[table]):
            assert after == before, (table, {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)})
    assert all(row["lag_events"] == 0 for row in projector.status())


def test_search_vectors_survive_a_rebuild(own_database, jobraker, projector):
    jobraker.post_job(source="test", external_id=unique_email(), title="Zymurgy specialist", company="Brewco")
    projector.catch_up()
    jobs = next(p for p in projector.projections if p.name == "jobs")
    projector.rebuild(jobs)
    assert JobRecord.objects.filter(search="zymurgy").count() == 1


def test_status_and_rebuild_commands(own_database, jobraker, projector):
    projector.catch_up()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    status = subprocess.run([sys.executable, "-m", "jobraker", "projections", "status"], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "candidates" in status.stdout and "timeline" in status.stdout
    rebuild = subprocess.run([sys.executable, "-m", "jobraker", "projections", "rebuild", "jobs"], env=env, capture_output=True, text=True, timeout=120)
    assert rebuild.returncode == 0, rebuild.stderr
    assert "jobs: rebuilt from" in rebuild.stdout and "events/s" in rebuild.stderr
    unknown = subprocess.run([sys.executable, "-m", "jobraker", "projections", "rebuild", "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "name one of" in unknown.stderr
