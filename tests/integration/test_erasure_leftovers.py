"""Erasure deletes everything that names the candidate outside the event store (issue 12):
the cached vectors of their texts (old ones included), the e-mail ledger, alert hits, data
exports, Skyvern run links and outbox mail; candidate vectors keep no text at all; and once
the projections have dropped their rows, the touched tables are vacuumed. Real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg

from jobraker.appliers.models import SkyvernRunLink
from jobraker.delivery.models import AlertHit, EmailDelivery
from jobraker.delivery.outbox import OutboxEmailBackend, subject_folder
from jobraker.embeddings.models import EmbeddingCache
from jobraker.privacy.erasure import erase_candidate
from jobraker.privacy.models import DataExport
from jobraker.privacy.vacuum import erasure_tables
from jobraker.projections.models import CandidateVector

from ..conftest import unique_email
from .test_personal_data import jobraker_url

RESUME = "Led the Vorpal-Snicker expedition across the Mxyzptlk glacier"


def _candidate_with_leftovers(jobraker, projector) -> uuid.UUID:
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Leftover Person", "h")
    # Each text embedded before the next change (the worker embeds only the latest): an older
    # text's vector stays cached.
    for change in (lambda: jobraker.change_profile(candidate_id, {"headline": "First headline", "skills": ["Quillwork"]}),
                   lambda: jobraker.upload_resume(candidate_id, uuid.uuid4(), "cv.txt", "text/plain", len(RESUME), RESUME),
                   lambda: jobraker.change_profile(candidate_id, {"headline": "Second headline"})):
        change()
        projector.catch_up()
    job_id, application_id = uuid.uuid4(), uuid.uuid4()
    EmailDelivery.objects.create(notification_id=uuid.uuid4(), candidate_id=candidate_id, status="sent")
    AlertHit.objects.create(alert_id=uuid.uuid4(), job_id=job_id, candidate_id=candidate_id)
    DataExport.objects.create(id=uuid.uuid4(), candidate_id=candidate_id, requested_by="candidate", sealed_zip="x")
    SkyvernRunLink.objects.create(run_id=f"run-{uuid.uuid4().hex[:8]}", application_id=application_id)
    from django.core.mail import EmailMessage

    OutboxEmailBackend().send_messages([EmailMessage("s", "b", "a@example.org", ["b@example.org"],
                                                     headers={"X-Jobraker-Subject": str(candidate_id)})])
    return candidate_id


def test_candidate_vectors_keep_no_text(jobraker, projector):
    candidate_id = _candidate_with_leftovers(jobraker, projector)
    columns = {f.column for f in CandidateVector._meta.concrete_fields}
    assert columns == {"candidate_id", "model", "embedding"}
    with psycopg.connect(jobraker_url()) as conn:
        stored = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'jobraker_candidate_vectors'"
        ).fetchall()
        row = conn.execute("SELECT * FROM jobraker_candidate_vectors WHERE candidate_id = %s", (candidate_id,)).fetchone()
    assert {c for (c,) in stored} == {"candidate_id", "model", "embedding"}
    assert row is not None and row[2] is not None  # embedded (from the event store's texts)
    assert "Vorpal" not in repr(row)


def test_a_vector_is_made_of_the_texts_at_that_version(jobraker, projector):
    from jobraker.projections.vectors import _text_at

    candidate_id = _candidate_with_leftovers(jobraker, projector)
    assert "First headline" in _text_at(candidate_id, 2) and RESUME not in _text_at(candidate_id, 2)
    assert "Second headline" in _text_at(candidate_id, 4) and RESUME in _text_at(candidate_id, 4)


def test_erasure_deletes_every_row_and_file_that_names_the_candidate(jobraker, projector):
    candidate_id = _candidate_with_leftovers(jobraker, projector)
    other_id = _candidate_with_leftovers(jobraker, projector)  # control: untouched
    cached = EmbeddingCache.objects.filter(subject_id=candidate_id).count()
    assert cached >= 3  # one per text it has had: profile, resume, second profile
    erase_candidate(jobraker, candidate_id, "candidate")
    projector.catch_up()
    assert not EmbeddingCache.objects.filter(subject_id=candidate_id).exists()
    for model in (EmailDelivery, AlertHit, DataExport):
        assert not model.objects.filter(candidate_id=candidate_id).exists(), model.__name__
    assert not CandidateVector.objects.filter(candidate_id=candidate_id).exists()
    assert not subject_folder(candidate_id).exists()
    # The other candidate keeps all of theirs.
    assert EmbeddingCache.objects.filter(subject_id=other_id).count() >= 3
    assert all(model.objects.filter(candidate_id=other_id).exists() for model in (EmailDelivery, AlertHit, DataExport))
    assert list(subject_folder(other_id).glob("*.eml"))


def test_skyvern_run_links_of_the_candidates_applications_go(jobraker, projector):
    from jobraker.domain.application import Actor

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Run Link Person", "h")
    job_id, _ = jobraker.post_job(source="adzuna", external_id=uuid.uuid4().hex, title="T", company="C",
                                  location="L", country="gb", description="D", url="https://example.org")
    application_id, _ = jobraker.shortlist_match(candidate_id, job_id, 70, "local", {}, Actor.SYSTEM)
    SkyvernRunLink.objects.create(run_id=f"run-{uuid.uuid4().hex[:8]}", application_id=application_id)
    erase_candidate(jobraker, candidate_id, "staff")
    assert not SkyvernRunLink.objects.filter(application_id=application_id).exists()


def _last_vacuum(table: str) -> datetime | None:
    with psycopg.connect(jobraker_url()) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", (table,)).fetchone()
    return row[0] if row else None


def test_the_relay_has_the_touched_tables_vacuumed_once_the_projections_are_there(
    jobraker, projector, no_live_projector, dramatiq_worker
):
    import time

    from ..conftest import relay_from_now

    tables = erasure_tables()
    assert {"jobraker_candidates", "jobraker_accounts", "jobraker_candidate_vectors", "jobraker_embedding_cache",
            "jobraker_email_deliveries", "jobraker_alert_hits", "jobraker_data_exports", "jobraker_timeline"} <= set(tables)
    assert "jobraker_jobs" not in tables  # listings name no candidate

    candidate_id = _candidate_with_leftovers(jobraker, projector)
    relay = relay_from_now(jobraker)
    started = datetime.now(UTC)
    erase_candidate(jobraker, candidate_id, "candidate")
    relay.catch_up()  # sends vacuum_after_erasure to the real broker; a real worker takes it
    time.sleep(1.0)
    # The projections have not read the erasure yet: the actor waits (retries), vacuuming nothing.
    assert (_last_vacuum("jobraker_candidate_vectors") or started) <= started
    assert CandidateVector.objects.filter(candidate_id=candidate_id).exists()
    projector.catch_up()
    dramatiq_worker.join("default", timeout=30_000)
    for table in ("jobraker_candidate_vectors", "jobraker_email_deliveries", "jobraker_candidates"):
        vacuumed = _last_vacuum(table)
        assert vacuumed is not None and vacuumed >= started, table
