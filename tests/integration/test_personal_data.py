"""Personal data in events is sealed per candidate; destroying the key erases it everywhere."""

from __future__ import annotations

import json
import os

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED, personal_fields
from jobraker.eventstore.context import caused_by

from ..conftest import unique_email


def raw_event_rows(jobraker, originator_id) -> list[bytes]:
    table = jobraker.recorder.events_table_name
    with psycopg.connect(jobraker_url()) as conn:
        rows = conn.execute(
            f"SELECT state FROM {table} WHERE originator_id = %s ORDER BY originator_version",
            (originator_id,),
        ).fetchall()
    return [bytes(row[0]) for row in rows]


def jobraker_url() -> str:
    return os.environ["DATABASE_URL"]


def test_events_declare_their_personal_fields():
    assert personal_fields(Candidate.Registered) == ("email", "name", "password_hash")
    assert personal_fields(Candidate.ErasureCompleted) == ()


def test_stored_rows_hold_no_plaintext_personal_data(jobraker):
    email = unique_email("ada.lovelace")
    candidate_id, _ = jobraker.register_candidate(email, "Ada Lovelace", "argon2$fakehash")
    rows = raw_event_rows(jobraker, candidate_id)
    assert len(rows) == 1
    stored = rows[0]
    for secret in (email, "Ada Lovelace", "Lovelace", "argon2$fakehash"):
        assert secret.encode() not in stored
    assert b"__sealed__" in stored


def test_shredding_a_key_erases_that_candidate_only(jobraker):
    erased_id, _ = jobraker.register_candidate(unique_email(), "Grace Hopper", "h1")
    kept_email = unique_email()
    kept_id, _ = jobraker.register_candidate(kept_email, "Alan Turing", "h2")

    jobraker.mapper.keyring.destroy(erased_id)

    erased = jobraker.get_candidate(erased_id)
    assert erased.email is ERASED and erased.name is ERASED and erased.password_hash is ERASED
    # Non-personal facts survive: id, version, time of registration.
    assert erased.id == erased_id and erased.version == 1 and erased.created_on is not None
    kept = jobraker.get_candidate(kept_id)
    assert (kept.email, kept.name) == (kept_email, "Alan Turing")


def test_no_new_personal_data_can_be_written_for_an_erased_candidate(jobraker):
    from jobraker.privacy.keyring import SubjectErased

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Erased Soon", "h")
    jobraker.mapper.keyring.destroy(candidate_id)
    with pytest.raises(SubjectErased):
        jobraker.mapper.keyring.seal(candidate_id, "email", b'"again@example.org"')


@pytest.mark.parametrize("name", ["", "   ", "nul\x00byte", "x" * 201])
def test_invalid_names_are_refused_before_any_event(jobraker, name):
    from jobraker.accounts.models import EmailReservation
    from jobraker.domain.errors import InvalidValue
    from jobraker.privacy.blind_index import email_index

    email = unique_email()
    with pytest.raises(InvalidValue):
        jobraker.register_candidate(email, name, "h")
    assert not EmailReservation.objects.filter(email_index=email_index(email)).exists()  # nothing stored


def test_events_carry_correlation_and_causation(jobraker):
    with caused_by(correlation_id="req-123", causation_id="req-123", actor="candidate"):
        candidate_id, _ = jobraker.register_candidate(unique_email(), "Meta Data", "h")
    stored = jobraker.recorder.select_events(candidate_id)[0]
    meta = jobraker.mapper.metadata_of(stored)
    assert meta == {"correlation_id": "req-123", "causation_id": "req-123", "actor": "candidate"}


def string_values(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in string_values(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=80).map(str.strip).filter(bool))
def test_any_name_round_trips_and_is_never_stored_in_clear(jobraker, name):
    candidate_id, _ = jobraker.register_candidate(unique_email(), name, "hash")
    assert jobraker.get_candidate(candidate_id).name == name
    stored = json.loads(raw_event_rows(jobraker, candidate_id)[0])
    assert set(stored["name"]) == {"__sealed__"}
    assert name not in string_values(stored)


def test_every_personal_field_belongs_to_a_candidate():
    """Events outside the Candidate aggregate must name the candidate their personal data is about."""
    from jobraker.domain.application import Application
    from jobraker.domain.job import Job
    from jobraker.domain.notification import Notification

    for aggregate in (Application, Job, Notification):
        for event_class in vars(aggregate).values():
            if isinstance(event_class, type) and personal_fields(event_class):
                assert getattr(event_class, "data_subject_field", None) == "candidate_id", event_class


def test_erasing_a_candidate_erases_their_notes_and_notifications(jobraker):
    from jobraker.domain.application import Actor
    from jobraker.domain.notification import notification_id

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Noted", "h")
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="T", company="C")
    app_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    jobraker.add_note(app_id, "Recruiter said Noted's visa is pending", Actor.CANDIDATE)
    jobraker.send_notification(f"erase-test:{app_id}", candidate_id, "test", "Hello Noted")
    jobraker.mapper.keyring.destroy(candidate_id)
    notes = [e for e in map(jobraker.mapper.to_domain_event, jobraker.recorder.select_events(app_id)) if hasattr(e, "text")]
    assert [n.text for n in notes] == [ERASED]
    sent = jobraker.mapper.to_domain_event(jobraker.recorder.select_events(notification_id(f"erase-test:{app_id}"))[0])
    assert sent.message is ERASED and sent.kind == "test"
