"""Tamper evidence: alter, delete or swap stored event rows directly in SQL and the verifier
names each damaged event. (Tampering happens inside a transaction that is rolled back, so the
shared test database stays intact.)"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from jobraker.audit.chain import extend_chain, verify

from ..conftest import unique_email


@pytest.fixture
def chained(jobraker):
    ids = [jobraker.register_candidate(unique_email(), "Chained", "h")[1] for _ in range(4)]
    extend_chain()
    return ids


def tampered(jobraker, *statements):
    table = jobraker.recorder.events_table_name
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        with conn.cursor() as cur:
            for statement, params in statements:
                cur.execute(statement.format(table=table), params)
            result = verify(cur, table)
        conn.rollback()
    return result


def test_an_untouched_log_verifies(jobraker, chained):
    intact, problems = tampered(jobraker)
    assert problems == [] and intact >= 4


def test_an_altered_row_is_named(jobraker, chained):
    target = chained[1]
    _, problems = tampered(jobraker, ("UPDATE {table} SET state = state || '\\x20'::bytea WHERE notification_id = %s", (target,)))
    assert [(p.notification_id, p.kind) for p in problems] == [(target, "altered or moved")]


def test_a_deleted_row_is_named(jobraker, chained):
    target = chained[2]
    _, problems = tampered(jobraker, ("DELETE FROM {table} WHERE notification_id = %s", (target,)))
    assert [(p.notification_id, p.kind) for p in problems] == [(target, "removed")]


def test_swapped_rows_are_both_named(jobraker, chained):
    a, b = chained[0], chained[3]
    swap = (
        "UPDATE {table} AS t SET state = s.state FROM (SELECT notification_id, state FROM {table} "
        "WHERE notification_id IN (%s, %s)) AS s WHERE t.notification_id IN (%s, %s) AND s.notification_id <> t.notification_id"
    )
    _, problems = tampered(jobraker, (swap, (a, b, a, b)))
    assert sorted(p.notification_id for p in problems) == [a, b]


def test_verify_command(jobraker, chained):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-m", "jobraker", "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "events verified; head" in result.stdout


def test_erasure_does_not_break_the_chain(jobraker, chained):
    from uuid import UUID

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Shredded", "h")
    extend_chain()
    jobraker.mapper.keyring.destroy(UUID(str(candidate_id)))
    _, problems = tampered(jobraker)
    assert problems == []
