"""A candidate's streams come from an index written with each stream's creation event: export
and erasure read that candidate's streams and open that candidate's sealed fields only, never
another candidate's; the migration's backfill rebuilds the index of an existing store."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

import pytest
from django.db import connection

from jobraker.domain.application import Application
from jobraker.eventstore.app import events_table_name
from jobraker.privacy.erasure import erase_candidate
from jobraker.privacy.export import build_export
from jobraker.privacy.models import DataExport, SubjectStream
from jobraker.privacy.streams import backfill, candidate_streams, streams_started_for

from ..conftest import unique_email


def a_candidate_with_streams(jobraker) -> tuple[UUID, set[UUID]]:  # type: ignore[no-untyped-def]
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Streamed Person", "x")
    job_id = jobraker.track_job(candidate_id, uuid4().hex, title="Indexer", company="Acme")
    application_id, _ = jobraker.track_application(candidate_id, job_id, applied=False)
    alert_id, _ = jobraker.create_alert(candidate_id, "Remote", {"keywords": ["index"]}, "daily")
    jobraker.send_notification(f"test-{uuid4()}", candidate_id, "info", "A private message")
    jobraker.change_notification_settings(candidate_id, {"email": False})
    return candidate_id, {candidate_id, job_id, application_id, alert_id}


class Reads:
    """Records, while passing them through, which streams the store is asked for and whose
    sealed fields are opened."""

    def __init__(self, jobraker, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        # This thread's calls only: the session's live projector shares the store in its own.
        test_thread = threading.current_thread()
        self.streams: set[UUID] = set()
        self.opened: set[UUID] = set()
        self.scans = 0
        select_events, select_notifications, open_ = (
            jobraker.recorder.select_events, jobraker.recorder.select_notifications, jobraker.keyring.open
        )

        def reading(originator_id, *args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is test_thread:
                self.streams.add(UUID(str(originator_id)))
            return select_events(originator_id, *args, **kwargs)

        def scanning(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.scans += threading.current_thread() is test_thread
            return select_notifications(*args, **kwargs)

        def opening(subject, field, sealed):  # type: ignore[no-untyped-def]
            if threading.current_thread() is test_thread:
                self.opened.add(subject)
            return open_(subject, field, sealed)

        monkeypatch.setattr(jobraker.recorder, "select_events", reading)
        monkeypatch.setattr(jobraker.recorder, "select_notifications", scanning)
        monkeypatch.setattr(jobraker.keyring, "open", opening)


def test_the_index_holds_each_candidate_s_own_streams(jobraker):
    mine, my_streams = a_candidate_with_streams(jobraker)
    theirs, their_streams = a_candidate_with_streams(jobraker)
    assert my_streams <= set(candidate_streams(mine))
    assert not set(candidate_streams(mine)) & their_streams
    assert candidate_streams(mine)[0] == mine
    applications = streams_started_for(theirs, Application.Started)
    assert len(applications) == 1 and applications[0] in their_streams
    # Job, application, alert, notification and settings: five streams besides their own.
    assert SubjectStream.objects.filter(subject_id=mine).count() == 5


def test_export_reads_only_the_candidate_s_streams(jobraker, monkeypatch):
    mine, _ = a_candidate_with_streams(jobraker)
    a_candidate_with_streams(jobraker)  # another candidate, created after
    export = DataExport.objects.create(id=uuid4(), candidate_id=mine, requested_by="candidate")
    reads = Reads(jobraker, monkeypatch)
    assert build_export(jobraker, export.id).status == "ready"
    assert reads.streams == set(candidate_streams(mine))
    assert reads.opened == {mine}
    assert reads.scans == 0  # no pass over the log's creation events


@pytest.mark.timeout(120)
def test_erasure_reads_only_the_candidate_s_streams(jobraker, monkeypatch):
    mine, _ = a_candidate_with_streams(jobraker)
    a_candidate_with_streams(jobraker)
    reads = Reads(jobraker, monkeypatch)
    erase_candidate(jobraker, mine, by="candidate")
    assert reads.streams <= set(candidate_streams(mine))
    assert reads.opened <= {mine}
    assert reads.scans == 0


def test_the_migration_backfills_an_existing_store(jobraker):
    mine, _ = a_candidate_with_streams(jobraker)
    theirs, _ = a_candidate_with_streams(jobraker)
    before = {c: candidate_streams(c) for c in (mine, theirs)}
    SubjectStream.objects.filter(subject_id__in=[mine, theirs]).delete()  # as before the index existed
    assert candidate_streams(mine) == [mine]
    with connection.cursor() as cursor:
        backfill(cursor, events_table_name())
        backfill(cursor, events_table_name())  # idempotent
    assert {c: candidate_streams(c) for c in (mine, theirs)} == before


def test_the_events_table_is_the_one_the_library_names(jobraker):
    assert events_table_name() == jobraker.recorder.events_table_name
