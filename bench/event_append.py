"""Event append: Jobraker's encrypted store vs the bare eventsourcing recorder vs raw COPY.

Jobraker's store seals personal fields (AES-256-GCM with a per-candidate key) and
adds causation metadata; the bare recorder stores the same events as plain JSON;
COPY is the practical limit for rows of the same shape.
"""

from __future__ import annotations

import os
import uuid

import psycopg
from psycopg import sql

from common import Row, rate

SINGLE_COMMANDS = int(os.environ.get("BENCH_SINGLE", 300))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH", 10_000))


def run(database_url: str) -> list[Row]:
    from eventsourcing.application import Application

    from jobraker.config import get_settings
    from jobraker.domain.candidate import Candidate
    from jobraker.eventstore.app import build_jobraker, recorder_env

    jobraker = build_jobraker(get_settings())
    env = {k: v for k, v in recorder_env(database_url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    bare = Application(env=env)

    def registrations(n: int) -> list[Candidate]:
        return [
            Candidate(id=uuid.uuid4(), email=f"c{uuid.uuid4().hex}@example.org", name="Ada Lovelace", password_hash="argon2$x")
            for _ in range(n)
        ]

    def save_batches(app: Application, aggregates: list[Candidate], size: int = 1000) -> None:
        for start in range(0, len(aggregates), size):
            app.save(*aggregates[start : start + size])

    rows = []
    base = rate(lambda: [bare.save(c) for c in registrations(SINGLE_COMMANDS)], SINGLE_COMMANDS)
    ours = rate(lambda: [jobraker.save(c) for c in registrations(SINGLE_COMMANDS)], SINGLE_COMMANDS)
    rows.append(Row("append: one registration per save", "bare recorder", base, "Jobraker store", ours))
    base = rate(lambda: save_batches(bare, registrations(BATCH_EVENTS)), BATCH_EVENTS)
    ours = rate(lambda: jobraker.save_in_batches(registrations(BATCH_EVENTS)), BATCH_EVENTS)
    rows.append(Row("append: 1,000 registrations per save", "bare recorder", base, "Jobraker store", ours))
    limit = rate(lambda: copy_rows(database_url, jobraker.recorder.events_table_name, BATCH_EVENTS), BATCH_EVENTS)
    rows.append(Row("append: same rows by COPY (the limit)", "bare recorder", base, "raw COPY", limit))
    jobraker.close()
    bare.close()
    return rows


def copy_rows(database_url: str, like_table: str, n: int) -> None:
    payload = b'{"email":{"__sealed__":"' + b"x" * 80 + b'"},"name":{"__sealed__":"' + b"y" * 60 + b'"}}'
    with psycopg.connect(database_url) as conn:
        conn.execute(sql.SQL("CREATE TEMP TABLE bench_copy (LIKE {} INCLUDING DEFAULTS)").format(sql.Identifier(like_table)))
        with conn.cursor() as cur, cur.copy("COPY bench_copy (originator_id, originator_version, topic, state) FROM STDIN") as copy:
            for _ in range(n):
                copy.write_row((uuid.uuid4(), 1, "jobraker.domain.candidate:Candidate.Registered", payload))
