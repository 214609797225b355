"""When a quiet poll wakes a projector lane (projections/lanes.py, ``Lane.due``)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from jobraker.projections.lanes import Lane


def lane(idle_at: int | None) -> Lane:
    return Lane(SimpleNamespace(idle_at=idle_at), "jobs", threading.Event(), poll_seconds=1.0)


def test_a_lane_caught_up_to_the_head_is_not_due():
    assert not lane(idle_at=41).due(41)


def test_a_head_past_the_lane_or_a_lane_that_may_have_work_is_due():
    assert lane(idle_at=41).due(42)
    assert lane(idle_at=None).due(41)  # never caught up, a retry waits, or a runner of hooks alone

