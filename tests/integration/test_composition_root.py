"""The composition root (jobraker/components.py): one place builds a process's long-lived parts,
each once, and every locator the code calls hands out the root's part."""

from __future__ import annotations

import threading

import dramatiq
import pytest
from eventsourcing.persistence import OperationalError

from jobraker.appliers.factory import applier
from jobraker.appliers.skyvern import DryRunApplier, SkyvernApplier
from jobraker.components import Components, components, install, redis_client
from jobraker.config import get_settings
from jobraker.embeddings.selection import get_provider
from jobraker.eventstore.app import get_jobraker
from jobraker.sources.factory import adzuna_client
from jobraker.workers.broker import broker


def test_every_locator_hands_out_the_roots_part():
    parts = components()
    assert get_jobraker() is parts.event_store
    assert redis_client() is parts.redis and redis_client().ping()
    assert broker() is parts.broker is dramatiq.get_broker()
    assert get_provider() is parts.embedding_provider
    assert isinstance(applier(), DryRunApplier | SkyvernApplier)  # built from the settings of the moment
    assert adzuna_client().quota.client is parts.redis  # the quota is counted in the root's Redis


def test_threads_asking_at_once_get_one_part_built_once():
    parts = Components(get_settings())
    seen, start = [], threading.Barrier(8)

    def ask() -> None:
        start.wait()
        seen.append(parts.redis)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(seen) == 8 and len({id(part) for part in seen}) == 1


def test_an_installed_root_serves_the_locators_and_forget_rebuilds_a_part():
    before = components()
    mine = Components(get_settings())
    try:
        install(mine)
        assert redis_client() is mine.redis is not before.redis
        first = get_jobraker()
        assert first is mine.event_store
        mine.forget("event_store")
        assert not mine.built("event_store")
        with pytest.raises(OperationalError, match="closed"):  # its connection pool is gone
            first.recorder.max_notification_id()
        assert get_jobraker() is not first
        get_jobraker().recorder.max_notification_id()  # the new one reads
    finally:
        install(before)
        mine.forget("event_store")
        mine.forget("redis")
    assert get_jobraker() is before.event_store
