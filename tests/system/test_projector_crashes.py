"""Kill the real projector process (SIGKILL) at random points, many times, while events keep
arriving: the read tables must end up exactly as a fresh rebuild makes them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from jobraker.domain.application import Actor

from ..conftest import unique_email
from .test_projection_rebuild import snapshot

KILLS = 8


def write_some_history(jobraker, rng: random.Random, candidates: set, jobs: set) -> None:
    for _ in range(rng.randint(3, 6)):
        candidate_id, _ = jobraker.register_candidate(unique_email(), "Crash Test", "h")
        jobraker.change_profile(candidate_id, {"skills": ["Go", "Rust"][: rng.randint(1, 2)]})
        job_id, _ = jobraker.post_job(source="crash", external_id=unique_email(), title="SRE", company="Kaboom")
        app_id, _ = jobraker.track_application(candidate_id, job_id, applied=False)
        jobraker.add_note(app_id, "ping", Actor.CANDIDATE)
        if rng.random() < 0.5:
            jobraker.move_application(app_id, "withdraw", Actor.CANDIDATE)
        candidates.add(candidate_id)
        jobs.add(job_id)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_random_kills_never_skip_or_double_apply(own_database, jobraker, projector, no_live_projector):
    rng = random.Random(20261129)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    projector.catch_up()
    before = {row["name"]: row["position"] for row in projector.status()}
    candidates: set = set()
    jobs: set = set()
    for _ in range(KILLS):
        write_some_history(jobraker, rng, candidates, jobs)
        process = subprocess.Popen(
            [sys.executable, "-m", "jobraker", "projector", "--batch-size", "3"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.8, 2.5))  # start-up takes most of a second; then it is mid-batch
        process.send_signal(signal.SIGKILL)
        process.wait()

    during = {row["name"]: row["position"] for row in projector.status()}
    assert any(during[name] > before[name] for name in before), "the killed projectors applied nothing"
    projector.catch_up()  # finish what the last victim left
    resumed = snapshot(candidates, jobs)
    for projection in projector.projections:
        projector.rebuild(projection)
    assert snapshot(candidates, jobs) == resumed
