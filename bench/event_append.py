"""Event append: Jobraker's encrypted store vs the bare eventsourcing recorder vs raw COPY.

Jobraker's store seals personal fields (AES-256-GCM with a per-candidate key, a new key
for each new candidate, stored in the events' transaction) and adds causation metadata;
the bare recorder stores the same events as plain JSON; raw psycopg COPY of rows of the
same shape into a table like the events table (same columns, indexes and defaults) is the
practical limit. The hash chain over stored rows is extended by the projector after the
fact, so it is not on the append path.
"""

from __future__ import annotations

import os
import uuid

import psycopg
from psycopg import sql

from common import Paired, Row, best_rates, number, rate

SINGLE_COMMANDS = int(os.environ.get("BENCH_SINGLE", 300))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH", 10_000))
BATCH_SIZE = 1000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
PAIRED_ROUNDS = int(os.environ.get("BENCH_PAIRED_ROUNDS", 10))  # one save each is noisy: ~1 s a run
COPY_TABLE = "bench_copy_events"
# A sealed registration as stored: three sealed fields, subject and causation metadata.
STATE = (
    b'{"email":{"__sealed__":"' + b"x" * 88 + b'"},"name":{"__sealed__":"' + b"y" * 60 + b'"},'
    b'"password_hash":{"__sealed__":"' + b"z" * 60 + b'"},"__subject__":"' + b"0" * 36 + b'",'
    b'"__meta__":{"correlation_id":"' + b"1" * 36 + b'","causation_id":null,"actor":"system"},'
    b'"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-29T09:00:00.000000+00:00"}}'
)


def run(database_url: str) -> list[Row]:
    from eventsourcing.application import Application

    from jobraker.config import get_settings
    from jobraker.domain.candidate import Candidate
    from jobraker.eventstore.app import build_jobraker, recorder_env

    jobraker = build_jobraker(get_settings())
    env = {k: v for k, v in recorder_env(database_url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    bare = Application(env=env)
    copier = Copier(database_url, jobraker.recorder.events_table_name)

    def registrations(n: int) -> list[Candidate]:
        return [
            Candidate(id=uuid.uuid4(), email=f"c{uuid.uuid4().hex}@example.org", name="Ada Lovelace", password_hash="argon2$x")
            for _ in range(n)
        ]

    def one_per_save(app: Application) -> float:
        aggregates = registrations(SINGLE_COMMANDS)  # built outside the clock: the same work for both
        return rate(lambda: [app.save(a) for a in aggregates], SINGLE_COMMANDS)

    def batches(app: Application) -> float:
        aggregates = registrations(BATCH_EVENTS)
        return rate(lambda: [app.save(*aggregates[i : i + BATCH_SIZE]) for i in range(0, BATCH_EVENTS, BATCH_SIZE)], BATCH_EVENTS)

    one_per_save(bare), one_per_save(jobraker)  # warm both: connections, prepared statements
    single = Paired.run(lambda: one_per_save(bare), lambda: one_per_save(jobraker), PAIRED_ROUNDS)
    single_copy = best_rates({"copy": lambda: rate(lambda: copier.copy(SINGLE_COMMANDS, 1), SINGLE_COMMANDS)}, ROUNDS)["copy"]
    batch = best_rates({
        "bare": lambda: batches(bare), "ours": lambda: batches(jobraker),
        "copy": lambda: rate(lambda: copier.copy(BATCH_EVENTS, BATCH_SIZE), BATCH_EVENTS),
    }, ROUNDS)
    copier.close()
    jobraker.close()
    bare.close()
    return [
        Row("append: one new-candidate registration per save (a new data key each)", "bare recorder", single.baseline,
            "Jobraker store", single.measured, target="≥ 0.70", target_ratio=0.7, paired_ratio=single.ratio,
            note=f"{single.describe()}; raw COPY, one row per transaction: {number(single_copy)} events/s "
                 f"(Jobraker {single.measured / single_copy:.2f} of it)"),
        Row(f"append: {BATCH_SIZE:,} new-candidate registrations per save", "bare recorder", batch["bare"],
            "Jobraker store", batch["ours"], target="≥ 0.70", target_ratio=0.7,
            note=f"raw COPY, {BATCH_SIZE:,} rows per transaction: {number(batch['copy'])} events/s "
                 f"(Jobraker {batch['ours'] / batch['copy']:.2f} of it)"),
    ]


class Copier:
    """Raw psycopg COPY into a table shaped like the events table (columns, indexes, defaults)."""

    def __init__(self, database_url: str, like_table: str) -> None:
        self.conn = psycopg.connect(database_url)
        self.conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (LIKE {} INCLUDING ALL)").format(
            sql.Identifier(COPY_TABLE), sql.Identifier(like_table)))
        self.conn.commit()

    def copy(self, rows: int, per_transaction: int) -> None:
        topic = "jobraker.domain.candidate:Candidate.Registered"
        for start in range(0, rows, per_transaction):
            with self.conn.transaction(), self.conn.cursor() as cur:
                with cur.copy(sql.SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN").format(
                        sql.Identifier(COPY_TABLE))) as copy:
                    for _ in range(min(per_transaction, rows - start)):
                        copy.write_row((uuid.uuid4(), 1, topic, STATE))

    def close(self) -> None:
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(COPY_TABLE)))
        self.conn.commit()
        self.conn.close()
