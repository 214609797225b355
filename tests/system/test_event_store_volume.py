"""Regression for the recorder hang on very large saves: 10,000 events land in bounded batches."""

from __future__ import annotations

import time

import pytest
from eventsourcing.domain import Aggregate, event

from jobraker.domain.commands.base import MAX_EVENTS_PER_SAVE


class Counter(Aggregate):
    """A test-only aggregate with no personal data: five events each."""

    @event("Started")
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ten_thousand_events_are_stored_in_bounded_batches(jobraker):
    counters = []
    for _ in range(2000):
        counter = Counter()
        for _ in range(4):
            counter.increment()
        counters.append(counter)
    head_before = jobraker.recorder.max_notification_id() or 0

    started = time.perf_counter()
    position = jobraker.save_in_batches(counters)
    elapsed = time.perf_counter() - started

    assert position - head_before >= 10_000
    stored = jobraker.recorder.select_notifications(start=head_before + 1, limit=20_000)
    assert len(stored) == 10_000
    assert jobraker.repository.get(counters[-1].id).count == 4
    print(f"10,000 events in {elapsed:.2f}s ({10_000 / elapsed:,.0f} events/s, batches of {MAX_EVENTS_PER_SAVE})")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_one_save_of_large_sealed_events_does_not_hang(jobraker):
    """~2 MB in one INSERT: the library's pipeline-mode insert never returned from this."""
    from uuid import uuid4

    from jobraker.domain.candidate import Candidate

    candidates = [
        Candidate(id=uuid4(), email=f"{uuid4().hex}@example.org", name="N" * 200, password_hash="h" * 100)
        for _ in range(3000)
    ]
    recordings = jobraker.save(*candidates)
    assert len(recordings) == 3000
    assert jobraker.get_candidate(candidates[-1].id).name == "N" * 200
