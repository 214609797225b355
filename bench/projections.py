"""Projections: rebuild speed and steady-state lag.

- Rebuild: the jobs, applications and timeline read models replayed from the log
  (ProjectionRunner.rebuild: decrypt, dispatch, write through the ORM, one transaction),
  against the floor for any projection: reading the same notifications in the same batches
  and writing one row per event with raw psycopg (executemany), in one transaction.
- Lag: the real projector process (`jobraker projector`, every projection plus the hash
  chain) follows the log while notes are added at a steady pace; lag is the time from a
  command's commit to the applications read model having it. The floor is the time the
  database takes to deliver the commit's NOTIFY, which wakes the projector.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

from common import ROOT, Row, best_rates

PIPELINES = int(os.environ.get("BENCH_REBUILD_PIPELINES", 400))
LAG_COMMANDS = int(os.environ.get("BENCH_LAG_COMMANDS", 200))
LAG_PACE_SECONDS = 0.05
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
NOTES: list[str] = []


def run(database_url: str) -> list[Row]:
    import uuid

    from commands import pipeline
    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker

    jobraker = build_jobraker(get_settings())
    candidate = uuid.uuid4()
    for _ in range(PIPELINES):
        pipeline(jobraker, candidate)
    rows = [rebuild_row(jobraker, database_url), lag_row(jobraker, database_url, candidate)]
    jobraker.close()
    return rows


def rebuild_row(jobraker, database_url: str) -> Row:
    from jobraker.projections.applications import (
        ApplicationProjection,
        TimelineProjection,
    )
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.jobs import JobProjection

    projections = [JobProjection(), ApplicationProjection(), TimelineProjection()]
    runner = ProjectionRunner(jobraker, projections)
    topics = [t for p in projections for t in p.handled_topics()]
    events = sum(len(_notifications(jobraker, p.handled_topics(), runner.batch_size)) for p in projections)

    def ours() -> float:
        started = time.perf_counter()
        applied = sum(runner.rebuild(p) for p in projections)
        assert applied == events, (applied, events)
        return applied / (time.perf_counter() - started)

    def floor() -> float:
        return raw_rebuild(jobraker, database_url, projections, runner.batch_size)

    best = best_rates({"floor": floor, "ours": ours}, ROUNDS)
    NOTES.append(
        f"Rebuild: every event of the {len(set(topics))} types these projections handle ({events:,}, mostly from "
        f"{PIPELINES:,} job → application → 4 moves pipelines written here), replayed into the jobs, applications "
        f"and timeline read models, each rebuild one transaction in batches of {runner.batch_size}; the floor reads "
        "the same notifications and inserts one row per event with psycopg's executemany."
    )
    return Row(f"projection rebuild: jobs + applications + timeline, {events:,} events", "read log + raw insert per event",
               best["floor"], "ProjectionRunner.rebuild", best["ours"])


def _notifications(jobraker, topics: list[str], batch: int) -> list:
    found, start = [], 1
    while True:
        page = jobraker.recorder.select_notifications(start=start, limit=batch, topics=topics)
        found += page
        if len(page) < batch:
            return found
        start = page[-1].id + 1


def raw_rebuild(jobraker, database_url: str, projections, batch: int) -> float:
    started = time.perf_counter()
    applied = 0
    with psycopg.connect(database_url) as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_rebuild_floor "
                     "(projection text, notification_id bigint, topic text, state bytea)")
        conn.execute("TRUNCATE bench_rebuild_floor")
        for projection in projections:
            notifications = _notifications(jobraker, projection.handled_topics(), batch)
            with conn.cursor() as cur:
                for start in range(0, len(notifications), batch):
                    cur.executemany(
                        "INSERT INTO bench_rebuild_floor VALUES (%s, %s, %s, %s)",
                        [(projection.name, n.id, n.topic, n.state) for n in notifications[start : start + batch]],
                    )
            applied += len(notifications)
        conn.commit()
    return applied / (time.perf_counter() - started)


def lag_row(jobraker, database_url: str, candidate) -> Row:
    from jobraker.domain.application import Actor

    application_id, _ = jobraker.track_application(candidate, jobraker.post_job(
        source="bench", external_id="lag", title="Lag probe", company="Acme")[0], applied=True)
    skip_history(jobraker, database_url)
    with Projector() as projector, MinimalFollower(jobraker, database_url):
        position_of = _position_reader(database_url)
        floor_ms, lag_ms = [], []
        for i in range(LAG_COMMANDS + 5):
            position = jobraker.add_note(application_id, f"Lag probe note {i}.", Actor.CANDIDATE)
            committed = time.perf_counter()
            floor_done = projected = None
            deadline = committed + 30
            while (floor_done is None or projected is None) and time.perf_counter() < deadline:
                now = time.perf_counter()
                if floor_done is None and position_of(FLOOR) >= position:
                    floor_done = now
                if projected is None and position_of("applications") >= position:
                    projected = now
                time.sleep(0.001)
                projector.check()
            if i >= 5:  # the first few warm both followers
                floor_ms.append(((floor_done or deadline) - committed) * 1000)
                lag_ms.append(((projected or deadline) - committed) * 1000)
            time.sleep(LAG_PACE_SECONDS)
    p50, p99 = _percentile(lag_ms, 50), _percentile(lag_ms, 99)
    NOTES.append(
        f"Lag: {LAG_COMMANDS} notes added {1 / LAG_PACE_SECONDS:.0f} per second while `jobraker projector` "
        "(a separate process, all projections and the hash chain) follows the log; measured from the command's "
        "return until the applications projection's position passes it (polled every millisecond). The floor, "
        "followed at the same time: a minimal LISTEN-woken thread that reads the new notifications and writes one "
        f"row and its position per batch with raw psycopg. Projector p50 {p50:.1f} ms, p99 {p99:.1f} ms; floor "
        f"p50 {_percentile(floor_ms, 50):.1f} ms, p99 {_percentile(floor_ms, 99):.1f} ms."
    )
    return Row("steady-state lag: command → read model, p50", "minimal LISTEN follower (raw psycopg)",
               _percentile(floor_ms, 50), "`jobraker projector`", p50, unit="ms", lower_is_better=True,
               note=f"p99: projector {p99:.1f} ms, floor {_percentile(floor_ms, 99):.1f} ms")


FLOOR = "bench-floor"


class MinimalFollower:
    """The least a follower can do: wake on NOTIFY, read the new notifications, write a row for
    each and its position, commit. Runs in a thread of this process."""

    def __init__(self, jobraker, database_url: str) -> None:
        self.jobraker, self.database_url = jobraker, database_url
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> MinimalFollower:
        self.ready = threading.Event()
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)

    def _follow(self) -> None:
        channel = self.jobraker.recorder.channel_name
        position = self.jobraker.recorder.max_notification_id() or 0
        with psycopg.connect(self.database_url, autocommit=True) as listener, psycopg.connect(self.database_url) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_floor_rows (notification_id bigint, topic text, state bytea)")
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.ready.set()
            while not self.stop.is_set():
                for _ in listener.notifies(timeout=0.5, stop_after=1):
                    pass
                new = self.jobraker.recorder.select_notifications(start=position + 1, limit=500)
                if not new:
                    continue
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO bench_floor_rows VALUES (%s, %s, %s)", [(n.id, n.topic, n.state) for n in new])
                    position = new[-1].id
                    cur.execute("INSERT INTO jobraker_projection_positions (name, position, updated_at) VALUES (%s, %s, now()) "
                                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position", (FLOOR, position))
                conn.commit()


def skip_history(jobraker, database_url: str) -> None:
    """Start the projector at the head of the log: the lag is about new events, not a catch-up."""
    from jobraker.projections.registry import all_projections

    head = jobraker.recorder.max_notification_id() or 0
    with psycopg.connect(database_url) as conn:
        for projection in all_projections():
            conn.execute(
                "INSERT INTO jobraker_projection_positions (name, position, updated_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position",
                (projection.name, head),
            )
        conn.execute("INSERT INTO jobraker_event_chain (notification_id, digest) VALUES (%s, %s) "
                     "ON CONFLICT DO NOTHING", (head, "0" * 64))  # chain from here on
        conn.commit()


def _position_reader(database_url: str):
    conn = psycopg.connect(database_url, autocommit=True)

    def position(name: str) -> int:
        row = conn.execute("SELECT position FROM jobraker_projection_positions WHERE name = %s", (name,)).fetchone()
        return row[0] if row else 0

    return position


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Projector:
    """`jobraker projector` as a separate process, on this run's database."""

    def __enter__(self) -> Projector:
        self.log = tempfile.NamedTemporaryFile(prefix="jrb-projector-", suffix=".log", delete=False)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([sys.executable, "-m", "jobraker", "projector"], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(3)  # Django set up, listening
        self.check()
        return self

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"jobraker projector exited; see {self.log.name}")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if not exc or exc[0] is None:
            Path(self.log.name).unlink(missing_ok=True)  # kept only when something went wrong
