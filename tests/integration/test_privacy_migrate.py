"""`jobraker privacy migrate` (issue 12 item 6): events that an older version stored with a
personal field in plaintext are re-sealed in place; the hash chain verifies afterwards and
the rewrite is recorded; an erased candidate's plaintext becomes unopenable bytes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from jobraker.audit.chain import extend_chain, verify
from jobraker.audit.models import ChainRewrite
from jobraker.cli import main
from jobraker.domain.application import Application
from jobraker.domain.personal import ERASED
from jobraker.privacy.plaintext_migration import migrate_plaintext

from ..conftest import unique_email
from .test_personal_data import raw_event_rows


def _old_started_event(jobraker, candidate_id: UUID, skill: str) -> UUID:
    """An Application.Started as a version before issue 12 stored it: the explanation in plaintext."""
    application_id = uuid4()
    state = {
        "candidate_id": candidate_id, "job_id": uuid4(), "source": "matched", "status": "matched",
        "score": 71, "model": "local", "explanation": {"matched_skills": [skill], "missing_skills": ["other-" + skill]},
        "by": "system", "timestamp": datetime(2025, 1, 1, tzinfo=UTC), "originator_topic": get_topic(Application),
    }
    jobraker.recorder.insert_events([StoredEvent(
        originator_id=application_id, originator_version=1, topic=get_topic(Application.Started),
        state=jobraker.mapper.transcoder.encode(state),
    )])
    return application_id


def _chain_problems(jobraker) -> list:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        return verify(cursor, jobraker.recorder.events_table_name)[1]


def test_plaintext_explanations_are_sealed_in_place_and_the_chain_still_verifies(jobraker):
    live, _ = jobraker.register_candidate(unique_email(), "Live Person", "h")
    gone, _ = jobraker.register_candidate(unique_email(), "Gone Person", "h")
    live_app = _old_started_event(jobraker, live, "Mqzvx-Smalltalk")
    gone_app = _old_started_event(jobraker, gone, "Plkjh-Prolog")
    jobraker.mapper.keyring.destroy(gone)  # erased before the upgrade: its plaintext must go too
    extend_chain()
    assert b"Mqzvx-Smalltalk" in raw_event_rows(jobraker, live_app)[0]  # the positive control

    migration = migrate_plaintext(jobraker)

    assert {live_app, gone_app} <= {UUID(str(i)) for i in _originators(jobraker, migration.rewritten)}
    for application_id, skill in ((live_app, b"Mqzvx-Smalltalk"), (gone_app, b"Plkjh-Prolog")):
        stored = raw_event_rows(jobraker, application_id)[0]
        assert skill not in stored and b"__sealed__" in stored
    explanation = jobraker.get_application(live_app).explanation
    assert explanation == {"matched_skills": ["Mqzvx-Smalltalk"], "missing_skills": ["other-Mqzvx-Smalltalk"]}
    assert jobraker.get_application(gone_app).explanation is ERASED
    assert gone in migration.erased_subjects
    assert _chain_problems(jobraker) == []
    rewrite = ChainRewrite.objects.order_by("-id").first()
    assert rewrite is not None and rewrite.old_head == migration.old_head != migration.new_head == rewrite.new_head
    assert set(migration.rewritten) <= set(rewrite.rewritten)


def test_a_second_run_changes_nothing(jobraker, capsys):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Twice Person", "h")
    _old_started_event(jobraker, candidate_id, "Wxyz-Ada")
    extend_chain()
    assert main(["privacy", "migrate"]) == 0
    assert "re-sealed" in capsys.readouterr().out
    rewrites = ChainRewrite.objects.count()
    assert main(["privacy", "migrate"]) == 0
    assert "none held plaintext" in capsys.readouterr().out
    assert ChainRewrite.objects.count() == rewrites
    assert _chain_problems(jobraker) == []


def _originators(jobraker, notification_ids: list[int]) -> list:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            f"SELECT originator_id FROM {jobraker.recorder.events_table_name} WHERE notification_id = ANY(%s)",
            (notification_ids,),
        ).fetchall()
    return [row[0] for row in rows]
