"""Actors that wait for the read side retry at most a minute apart, for about two hours."""

from __future__ import annotations

import pytest

from jobraker.workers import actors


def test_waits_double_from_two_seconds_up_to_a_minute():
    waits = [actors.read_side_wait_ms(n) for n in range(actors.READ_SIDE_RETRIES)]
    assert waits[:6] == [2_000, 4_000, 8_000, 16_000, 32_000, 60_000]
    assert max(waits) == 60_000  # work goes on within a minute of the read side catching up
    assert 2 * 3600 <= sum(waits) / 1000 < 2.1 * 3600  # a projector restart or a failover is outlasted


@pytest.mark.parametrize("actor", [actors.match_new_job, actors.match_existing_jobs, actors.vacuum_after_erasure])
def test_each_waiting_actor_has_the_whole_budget(actor):
    assert actor.options["max_retries"] == actors.READ_SIDE_RETRIES
