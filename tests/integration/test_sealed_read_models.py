"""Personal read-model columns are sealed under the candidate's key and opened on read
(issue 12): a candidate's name, their application notes (the timeline's detail), conversation
titles and alert names are ciphertext in PostgreSQL, plaintext through the ORM, unreadable
once the key is destroyed. Real PostgreSQL, read back with raw SQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.apps import apps

from jobraker.assistant.models import ConversationRecord
from jobraker.delivery.models import JobAlertRecord
from jobraker.domain.application import Actor
from jobraker.privacy.sealed_fields import ERASED_MARK, PREFIX, for_subject, seal_stored_rows
from jobraker.projections.models import CandidateRecord, TimelineEntry

from ..conftest import unique_email
from .test_personal_data import jobraker_url

SEALED_COLUMNS = [
    ("jobraker_candidates", "email", "id"),
    ("jobraker_candidates", "name", "id"),
    ("jobraker_candidates", "profile", "id"),
    ("jobraker_candidates", "preferences", "id"),
    ("jobraker_candidates", "consents", "id"),
    ("jobraker_job_alerts", "criteria", "candidate_id"),
    ("jobraker_notifications", "message", "candidate_id"),
    ("jobraker_timeline", "detail", "candidate_id"),
    ("jobraker_conversations", "title", "candidate_id"),
    ("jobraker_job_alerts", "name", "candidate_id"),
]


def _raw(table: str, column: str, subject_column: str, subject: uuid.UUID) -> list[str]:
    with psycopg.connect(jobraker_url()) as conn:
        return [row[0] for row in conn.execute(
            f"SELECT {column}::text FROM {table} WHERE {subject_column} = %s", (subject,)
        ).fetchall()]


@pytest.fixture
def candidate(jobraker, projector):
    tag = uuid.uuid4().hex[:6]
    values = {"name": f"Ermintrude Vole{tag}", "note": f"Spoke to Mr Plimsoll{tag}",
              "title": f"Chat about Gnarlwick{tag}", "alert": f"Snoods in Frimley{tag}",
              "skill": f"Wibbling{tag}", "keyword": f"Zonkers{tag}", "consent": f"v{tag}", "criteria": f"snood{tag}",
              "message": f"Hello Ermintrude {tag}", "email": unique_email(f"ermintrude{tag}")}
    candidate_id, _ = jobraker.register_candidate(values["email"], values["name"], "h")
    jobraker.change_profile(candidate_id, {"skills": [values["skill"]]})
    jobraker.change_preferences(candidate_id, {"keywords": [values["keyword"]]})
    jobraker.give_consent(candidate_id, "terms", values["consent"])
    jobraker.send_notification(f"test:sealed:{tag}", candidate_id, "test", values["message"])
    job_id, _ = jobraker.post_job(source="adzuna", external_id=uuid.uuid4().hex, title="T", company="C",
                                  location="L", country="gb", description="D", url="https://example.org")
    application_id, _ = jobraker.shortlist_match(candidate_id, job_id, 70, "local",
                                                 {"matched_skills": [f"Skill{tag}"]}, Actor.SYSTEM)
    jobraker.add_note(application_id, values["note"], Actor.CANDIDATE)

    jobraker.start_conversation(candidate_id, values["title"])
    jobraker.create_alert(candidate_id, values["alert"], {"keywords": [values["criteria"]]}, "daily")
    projector.catch_up()
    return candidate_id, values


def test_personal_columns_are_ciphertext_at_rest_and_plaintext_through_the_orm(candidate):
    candidate_id, values = candidate
    for table, column, subject_column in SEALED_COLUMNS:
        stored = _raw(table, column, subject_column, candidate_id)
        assert stored and all(value.startswith(PREFIX) for value in stored), (table, column)
        assert not any(v.lower() in "".join(stored).lower() for v in values.values()), (table, column)
    assert CandidateRecord.objects.get(id=candidate_id).name == values["name"]
    assert CandidateRecord.objects.get(id=candidate_id).email == values["email"]
    assert values["note"] in [e.detail.get("text") for e in TimelineEntry.objects.filter(candidate_id=candidate_id)]
    assert ConversationRecord.objects.get(candidate_id=candidate_id).title == values["title"]
    assert JobAlertRecord.objects.get(candidate_id=candidate_id).name == values["alert"]
    record = CandidateRecord.objects.get(id=candidate_id)
    assert record.profile["skills"] == [values["skill"]] and record.preferences["keywords"] == [values["keyword"]]
    assert record.consents["terms"]["version"] == values["consent"]
    assert JobAlertRecord.objects.get(candidate_id=candidate_id).criteria["keywords"] == [values["criteria"]]


def test_a_destroyed_key_leaves_the_columns_unreadable(jobraker, candidate):
    candidate_id, _ = candidate
    jobraker.keyring.destroy(candidate_id)
    assert CandidateRecord.objects.get(id=candidate_id).name is None
    assert ConversationRecord.objects.get(candidate_id=candidate_id).title is None


def test_a_plain_value_is_refused_in_updates_and_lookups(candidate):
    candidate_id, values = candidate
    with pytest.raises(TypeError):
        JobAlertRecord.objects.filter(candidate_id=candidate_id).update(name="plain text")
    with pytest.raises(TypeError):
        list(CandidateRecord.objects.filter(name=values["name"]))
    JobAlertRecord.objects.filter(candidate_id=candidate_id).update(name=for_subject(candidate_id, "Renamed"))
    assert JobAlertRecord.objects.get(candidate_id=candidate_id).name == "Renamed"


def test_rows_stored_in_plaintext_before_read_as_stored_and_the_migration_seals_them(candidate):
    candidate_id, values = candidate
    with psycopg.connect(jobraker_url()) as conn:
        conn.execute("UPDATE jobraker_candidates SET name = %s WHERE id = %s", (values["name"], candidate_id))
        conn.execute("UPDATE jobraker_timeline SET detail = %s WHERE candidate_id = %s", ('{"text": "old"}', candidate_id))
    assert CandidateRecord.objects.get(id=candidate_id).name == values["name"]
    assert {e.detail.get("text") for e in TimelineEntry.objects.filter(candidate_id=candidate_id)} == {"old"}
    seal_stored_rows("projections", "CandidateRecord", "name")(apps, None)
    seal_stored_rows("projections", "TimelineEntry", "detail")(apps, None)
    assert _raw("jobraker_candidates", "name", "id", candidate_id)[0].startswith(PREFIX)
    assert all(v.startswith(PREFIX) for v in _raw("jobraker_timeline", "detail", "candidate_id", candidate_id))
    assert CandidateRecord.objects.get(id=candidate_id).name == values["name"]


def test_a_row_written_after_the_key_is_gone_holds_nothing_and_does_not_fail(jobraker, candidate):
    """A projection catching up on events recorded just before an erasure must neither fail
    (it would stop the projector) nor write anything personal."""
    candidate_id, _ = candidate
    jobraker.keyring.destroy(candidate_id)
    JobAlertRecord.objects.filter(candidate_id=candidate_id).update(name=for_subject(candidate_id, "Late name"))
    assert JobAlertRecord.objects.get(candidate_id=candidate_id).name is None
    assert _raw("jobraker_job_alerts", "name", "candidate_id", candidate_id) == [ERASED_MARK]
