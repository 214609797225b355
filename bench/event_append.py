"""Event append: Jobraker's encrypted store vs the bare eventsourcing recorder vs raw COPY.

Run: .venv/bin/python bench/event_append.py   (writes docs/benchmarks.md, prints the table)

All three write to the same PostgreSQL in the same run, so the ratios compare
like with like on a noisy machine. Jobraker's store seals personal fields
(AES-256-GCM with a per-candidate key) and adds causation metadata; the bare
recorder stores the same events as plain JSON; COPY is the practical limit for
rows of the same shape.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SINGLE_COMMANDS = int(os.environ.get("BENCH_SINGLE", 300))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH", 10_000))


def main() -> None:
    with services() as database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobraker.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = run(database_url)
    report(rows)


def run(database_url: str) -> list[tuple[str, str, float, float]]:
    from eventsourcing.application import Application

    from jobraker.eventstore.app import build_jobraker, recorder_env
    from jobraker.config import get_settings

    jobraker = build_jobraker(get_settings())
    bare = Application(env={**recorder_env(database_url), "PERSISTENCE_MODULE": "eventsourcing.postgres"})
    from jobraker.domain.candidate import Candidate

    def registrations(n: int) -> list[Candidate]:
        return [
            Candidate(id=uuid.uuid4(), email=f"c{uuid.uuid4().hex}@example.org", name="Ada Lovelace", password_hash="argon2$x")
            for _ in range(n)
        ]

    results = []
    # Single-event commands: one registration per save (a new candidate, so a new key each time).
    base = rate(lambda: [bare.save(c) for c in registrations(SINGLE_COMMANDS)], SINGLE_COMMANDS)
    ours = rate(lambda: [jobraker.save(c) for c in registrations(SINGLE_COMMANDS)], SINGLE_COMMANDS)
    results.append(("single-event commands (registrations)", "bare recorder", base, ours))
    # Batches of 1,000 events.
    base = rate(lambda: save_batches(bare, registrations(BATCH_EVENTS)), BATCH_EVENTS)
    ours = rate(lambda: jobraker.save_in_batches(registrations(BATCH_EVENTS)), BATCH_EVENTS)
    results.append(("batches of 1,000 registrations", "bare recorder", base, ours))
    copy = rate(lambda: copy_rows(database_url, jobraker.recorder.events_table_name, BATCH_EVENTS), BATCH_EVENTS)
    results.append(("raw COPY, same row shape (limit)", "bare recorder", base, copy))
    jobraker.close()
    bare.close()
    return results


def save_batches(app, aggregates, size: int = 1000) -> None:
    for start in range(0, len(aggregates), size):
        app.save(*aggregates[start : start + size])


def copy_rows(database_url: str, like_table: str, n: int) -> None:
    payload = b'{"email":{"__sealed__":"' + b"x" * 80 + b'"},"name":{"__sealed__":"' + b"y" * 60 + b'"}}'
    with psycopg.connect(database_url) as conn:
        conn.execute(
            sql.SQL("CREATE TEMP TABLE bench_copy (LIKE {} INCLUDING DEFAULTS)").format(sql.Identifier(like_table))
        )
        with conn.cursor() as cur, cur.copy(
            "COPY bench_copy (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            for _ in range(n):
                copy.write_row((uuid.uuid4(), 1, "jobraker.domain.candidate:Candidate.Registered", payload))


def rate(work, events: int) -> float:
    started = time.perf_counter()
    work()
    return events / (time.perf_counter() - started)


def report(rows: list[tuple[str, str, float, float]]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"`python bench/event_append.py` on {machine}, {when}. PostgreSQL 18 (embedded), same run for every row.",
        "",
        "| workload | baseline | baseline events/s | measured events/s | ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    labels = ["Jobraker store", "Jobraker store", "COPY"]
    for (workload, baseline, base, measured), label in zip(rows, labels):
        lines.append(f"| {workload}: {label} | {baseline} | {base:,.0f} | {measured:,.0f} | {measured / base:.2f} |")
    text = "\n".join(lines) + "\n"
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)


class services:
    """The embedded PostgreSQL in a temporary folder (or DATABASE_URL's server), a fresh database."""

    def __enter__(self) -> str:
        sys.path.insert(0, str(ROOT / "src"))
        from jobraker.runtime import embedded

        self.tmp = Path(tempfile.mkdtemp(prefix="jrb-"))
        os.environ["JOBRAKER_DATA_DIR"] = str(self.tmp)
        server_url = os.environ.get("DATABASE_URL")
        self.server = None if server_url else embedded.start_postgres(self.tmp)
        self.server_url = server_url or self.server.url
        self.dbname = f"jobraker_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        return urlsplit(self.server_url)._replace(path=f"/{self.dbname}").geturl()

    def __exit__(self, *exc: object) -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.dbname)))
        if self.server:
            self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
