"""The private parts of eventsourcing that eventstore/seams.py relies on are still there, with
the signatures and source it was written against. An upgrade of the library that changes one
fails here, naming it, instead of somewhere in a save (see docs/architecture.md, "Library seams")."""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

import pytest
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import EventStore
from eventsourcing.postgres import PostgresApplicationRecorder

from jobraker.eventstore.app import EncryptedJobraker
from jobraker.eventstore.seams import PRIVATE_API, JobrakerRecorder, TransactionalSaves

WRITTEN_AGAINST = "9.5.6"

# The library code whose behaviour the seams rely on (what it calls, in which order, with which
# keywords), by a digest of its source in WRITTEN_AGAINST. A change means: read the new code, check
# the seam still holds (and the behaviour test in tests/integration), then update the digest.
RELIED_ON_SOURCE = {
    Application.save: "4e9747d14b8fd046",  # calls self._record(processing_event)
    Application._record: "104c6186b29d5059",  # passes processing_event.saved_kwargs to events.put
    EventStore.put: "7cbbe45730a0d3b9",  # passes its keywords to recorder.insert_events
    PostgresApplicationRecorder.insert_events: "f1a98da0239e3ea7",  # replaced by ours: same steps
    PostgresApplicationRecorder._insert_stored_events: "139580714a659085",  # lock, notify, insert
    PostgresApplicationRecorder._lock_table: "42bc9c135b4a93c1",
    PostgresApplicationRecorder._notify_channel: "9e5bab72ecfbcf2e",
    PostgresApplicationRecorder._fetch_ids_after_insert_events: "9c8efbc1baf72b52",
}


@pytest.mark.parametrize(("owner", "name"), list(PRIVATE_API), ids=lambda x: getattr(x, "__name__", x))
def test_each_private_method_relied_on_has_the_signature_it_had(owner, name):
    assert hasattr(owner, name), f"eventsourcing {version('eventsourcing')} has no {owner.__name__}.{name}"
    found = str(inspect.signature(getattr(owner, name)))
    assert found == PRIVATE_API[(owner, name)], (
        f"{owner.__name__}.{name} changed in eventsourcing {version('eventsourcing')} "
        f"(seams written against {WRITTEN_AGAINST}): {found}"
    )


@pytest.mark.parametrize("function", list(RELIED_ON_SOURCE), ids=lambda f: f.__qualname__)
def test_the_library_code_around_the_seams_is_unchanged(function):
    digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
    assert digest == RELIED_ON_SOURCE[function], (
        f"{function.__qualname__} changed in eventsourcing {version('eventsourcing')} "
        f"(seams written against {WRITTEN_AGAINST}): re-check eventstore/seams.py"
    )


def test_the_processing_event_still_carries_saved_keywords():
    processing_event: ProcessingEvent = ProcessingEvent()
    processing_event.collect_events(in_transaction=[])
    assert processing_event.saved_kwargs == {"in_transaction": []}


def test_the_seams_sit_where_the_library_calls_them():
    # The mixin's _record comes before the library's; the recorder's overrides are its own.
    assert EncryptedJobraker._record is TransactionalSaves._record
    assert EncryptedJobraker.__mro__.index(TransactionalSaves) < EncryptedJobraker.__mro__.index(Application)
    assert JobrakerRecorder.insert_events is not PostgresApplicationRecorder.insert_events
    assert issubclass(JobrakerRecorder, PostgresApplicationRecorder)
