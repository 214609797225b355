"""The chaos run: the whole auto-apply loop under faults, then the invariants that must hold.

Run ``python -m tests.chaos --candidates 200`` for the full run (a short one is part of
the test suite: tests/system/test_chaos.py). It starts its own PostgreSQL and Redis in a
temporary folder, loopback Adzuna and Skyvern servers, and the real Jobraker processes
(projector, relay, Dramatiq worker, scheduler); loads candidates with auto-apply on; then,
while their applications flow, repeatedly SIGKILLs the processes, restarts PostgreSQL and
Redis, and makes Adzuna and Skyvern answer 429/5xx. A dead process is restarted, as a
process manager would. When the faults stop and the work has drained it checks:

- no application was sent to Skyvern twice;
- no event lost or reordered: every stream's versions run 1..n, and the hash chain verifies;
- no application left queued or submitting, and no message dead-lettered (the scheduler's
  reconcilers settle runs whose webhook never came and submissions a killed worker left);
- every projection equals a fresh rebuild from the log;
- the work recovered within ``--recovery-target`` seconds of the last fault: from then on
  every application was settled or queued and progressing (see ``stalled``).

It prints a summary and exits 1 if any invariant fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import DatabaseError
from redis.exceptions import RedisError

from jobraker.runtime import embedded

from .fakes.adzuna_server import FakeAdzuna, listing
from .fakes.skyvern_server import FakeSkyvern

PROCESSES = ("projector", "relay", "worker", "scheduler")
OPEN_STATUSES = {"queued", "submitting"}
# A queued application is progressing while a message for it waits, runs or is due this soon.
DUE_WITHIN_SECONDS = 60
# A submission without a run id is stuck once it is this old (the loopback Skyvern answers in 50 ms).
STUCK_SUBMISSION_SECONDS = 15


@dataclass
class Faults:
    counts: Counter = field(default_factory=Counter)

    def note(self, kind: str) -> None:
        self.counts[kind] += 1


class Fleet:
    """Jobraker's processes, each in its own process group so a kill takes its children too."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        self.children[name] = subprocess.Popen(
            [sys.executable, "-m", "jobraker", name], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        try:
            os.killpg(self.children[name].pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.children[name].wait()

    def revive(self) -> list[str]:
        """Restart whatever died, by a fault or by losing its database or Redis."""
        dead = [name for name, child in self.children.items() if child.poll() is not None]
        for name in dead:
            self.start(name)
        return dead

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for name, child in self.children.items():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(name)


class Servers:
    """PostgreSQL and Redis in one folder; each can be restarted with its data kept."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.postgres = embedded.start_postgres(data_dir)
        self.redis = embedded.start_redis(data_dir)

    def restart_postgres(self) -> None:
        url = self.postgres.url
        self.postgres.stop()
        self.postgres = embedded.start_postgres(self.data_dir)
        assert self.postgres.url == url, "PostgreSQL came back at another address"

    def restart_redis(self) -> None:
        url = self.redis.url
        self.redis.stop()
        self.redis = embedded.start_redis(self.data_dir)
        assert self.redis.url == url, "Redis came back at another address"

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    work = Path(tempfile.mkdtemp(prefix="jobraker-chaos-"))
    try:
        summary = ChaosRun(args, work).run()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary, indent=2, default=str))
    return 0 if all(summary["invariants"].values()) else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--listings", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long faults are injected")
    parser.add_argument("--fault-every", type=float, default=4.0, help="seconds between faults")
    parser.add_argument("--drain-seconds", type=float, default=300.0, help="how long the work may take to finish")
    parser.add_argument("--recovery-target", type=float, default=120.0,
                        help="seconds after the last fault by which nothing may be stalled")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the data folder and process logs")
    return parser.parse_args(argv)


class ChaosRun:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.random = random.Random(args.seed)
        self.faults = Faults()
        self.started = time.monotonic()
        self.last_fault = self.started
        self.samples: list[tuple[float, int]] = []  # (seconds after the last fault, stalled applications)
        self.last_stall: dict | None = None
        self.left_after_two_minutes: dict | None = None  # what a slow drain was waiting for
        self.delayed_at_drain_start: list | None = None

    def run(self) -> dict:
        self.servers = Servers(self.work / "data")
        with FakeAdzuna([listing(n) for n in range(self.args.listings)]) as adzuna, \
                FakeSkyvern(finish_after=2.0) as skyvern:  # runs end in 2 s; no webhook ever comes
            self.adzuna, self.skyvern = adzuna, skyvern
            env = self._environment()
            os.environ.update(env)
            subprocess.run([sys.executable, "-m", "jobraker", "migrate"], env=env, check=True)
            from jobraker.bootstrap import setup_django

            setup_django()
            self.fleet = Fleet(env, self.work)
            for name in PROCESSES:
                self.fleet.start(name)
            try:
                candidates = self._load_candidates()
                self._inject_faults()
                drained = self.drained = self._drain()
                self.fleet.stop()
                return self._summary(candidates, drained, self._check())
            finally:
                self.fleet.stop()
                self._close_connections()
                self.servers.stop()

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
        env.update(
            DATABASE_URL=self.servers.postgres.url,
            REDIS_URL=self.servers.redis.url,
            JOBRAKER_DATA_DIR=str(self.work / "data"),
            JOBRAKER_ENV="development",
            JOBRAKER_LOG_LEVEL=os.environ.get("CHAOS_LOG_LEVEL", "WARNING"),
            ADZUNA_APP_ID="chaos",
            ADZUNA_APP_KEY=self.adzuna.app_key,
            ADZUNA_BASE_URL=self.adzuna.base_url,
            SKYVERN_API_KEY=self.skyvern.api_key,
            SKYVERN_BASE_URL=self.skyvern.base_url,
            # A killed worker's messages come back after its heartbeat is missed: seconds here, not a minute.
            JOBRAKER_BROKER_HEARTBEAT_TIMEOUT_MS="5000",
            JOBRAKER_BROKER_MAINTENANCE_CHANCE="100000",
            JOBRAKER_BROKER_ORPHAN_AFTER_SECONDS="20",
            # The loopback Skyvern sends no webhook: runs are settled by polling, which starts once
            # a webhook is this late (a minute by default, which was most of the drain's time).
            JOBRAKER_SKYVERN_WEBHOOK_DEADLINE_SECONDS="15",
        )
        return env

    def _load_candidates(self) -> list[str]:
        from jobraker.eventstore.app import get_jobraker

        jobraker = get_jobraker()
        ids = []
        for n in range(self.args.candidates):
            candidate_id, _ = jobraker.register_candidate(f"chaos-{n}@example.org", f"Chaos Candidate {n}", "!")
            jobraker.verify_address(candidate_id)
            jobraker.change_profile(candidate_id, {"headline": "Python developer", "skills": ["Python", "APIs"]})
            jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
            jobraker.change_automation(candidate_id, {"mode": "full", "min_score_override": 20, "daily_cap_override": 100})
            jobraker.change_preferences(candidate_id, {"keywords": ["python"], "countries": ["gb"]})
            ids.append(str(candidate_id))
        _close_event_store()  # its pooled connections would not survive PostgreSQL restarting
        return ids

    def _inject_faults(self) -> None:
        """Every kind of fault once, in a random order, then kills (most of the time) and others at random."""
        kinds = [*(partial(self._kill, name) for name in PROCESSES), self._restart_postgres, self._restart_redis,
                 self._provider_errors]
        first_round = self.random.sample(kinds, len(kinds))
        deadline = time.monotonic() + self.args.seconds
        while time.monotonic() < deadline or first_round:
            fault = first_round.pop() if first_round else self.random.choice(kinds + kinds[: len(PROCESSES)])
            fault()
            self.last_fault = time.monotonic()
            time.sleep(self.args.fault_every)
            for name in self.fleet.revive():
                self.faults.note(f"restarted {name} after it died")

    def _kill(self, name: str) -> None:
        self.fleet.kill(name)
        self.faults.note(f"SIGKILL {name}")

    def _restart_postgres(self) -> None:
        self._close_connections()
        self.servers.restart_postgres()
        self.faults.note("PostgreSQL restarted")

    def _restart_redis(self) -> None:
        self.servers.restart_redis()
        self.faults.note("Redis restarted")

    def _provider_errors(self) -> None:
        self.adzuna.fail_next.extend(self.random.choice([429, 500, 503]) for _ in range(3))
        self.skyvern.fail_next.append(self.random.choice([500, 502, 503]))
        self.faults.note("provider errors (Adzuna 429/5xx x3, Skyvern 5xx x1)")

    def _drain(self) -> bool:
        """Let the work finish with no more faults: nothing queued or mid-submission, projections current."""
        started = time.monotonic()
        deadline = started + self.args.drain_seconds
        self.delayed_at_drain_start = self._left().get("delayed")  # the retries the drain will wait for
        while time.monotonic() < deadline:
            self.fleet.revive()
            self._sample()
            if self._settled():
                return True
            if self.left_after_two_minutes is None and time.monotonic() - started > 120:
                self.left_after_two_minutes = self._left()  # a drain is usually done in under a minute
            time.sleep(2)
        self.left_at_deadline = self._left()
        return False

    def _settled(self) -> bool:
        from django.db import connection

        from jobraker.projections.positions import slowest_position
        from jobraker.projections.registry import all_projections

        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT coalesce(max(notification_id), 0) FROM {_events_table()}")
                head = cursor.fetchone()[0]
            names = [p.name for p in all_projections()] + ["relay"]
            return slowest_position(names) >= head and not self._messages_pending() and not self._work_left()
        except (DatabaseError, RedisError):  # the database or Redis is coming back
            self._close_connections()
            return False

    def _sample(self) -> None:
        try:
            stalled = self._stalled()
        except (DatabaseError, RedisError):
            self._close_connections()
            stalled = {"unreadable": "the database or Redis is coming back"}  # counts as not recovered
        seconds = time.monotonic() - self.last_fault
        self.samples.append((seconds, len(stalled)))
        if stalled:
            self.last_stall = {"seconds_after_last_fault": round(seconds, 1), **Counter(stalled.values()),
                               "owners": self._owners(list(stalled)[:5])}

    def _owners(self, application_ids: list[str]) -> dict[str, list]:
        """For the record: each stalled application's owner message and how long its promise lasts."""
        import redis

        from jobraker.workers.pickup import KEY

        with suppress(RedisError, ValueError):
            client = redis.Redis.from_url(self.servers.redis.url)
            return {a: [client.get(KEY.format(a)), client.pttl(KEY.format(a))] for a in application_ids}
        return {}

    def _stalled(self) -> dict[str, str]:
        """Applications neither settled nor progressing, with why: queued, read by the relay, with
        no Dramatiq message for them waiting, being worked on, or due within a minute; or submitting with no run
        recorded for longer than any live call to Skyvern takes (a killed worker's). Read from
        the applications' read model, then confirmed from the event log (a read model that lags
        is not stalled work)."""
        from datetime import timedelta

        from django.utils import timezone

        from jobraker.appliers.models import SkyvernRunLink
        from jobraker.projections.models import ApplicationRecord, ProjectionPosition

        relay = ProjectionPosition.objects.filter(name="relay").values_list("position", flat=True).first() or 0
        # (One the relay has not read yet has its message still to come: the log keeps it.)
        queued = {str(a) for a in ApplicationRecord.objects.filter(status="queued", position__lte=relay)
                  .values_list("id", flat=True)}
        old = timezone.now() - timedelta(seconds=STUCK_SUBMISSION_SECONDS)
        submitting = {str(a) for a in ApplicationRecord.objects.filter(status="submitting", updated_at__lt=old)
                      .values_list("id", flat=True)}
        with_run = {str(a) for a in SkyvernRunLink.objects.filter(application_id__in=submitting)
                    .values_list("application_id", flat=True)}
        suspects = {a: "queued, no message due" for a in queued - self._due_soon()}
        suspects.update({a: "submitting with no run" for a in submitting - with_run})
        return {a: why for a, why in suspects.items() if self._confirmed(a, why)}

    @staticmethod
    def _confirmed(application_id: str, why: str) -> bool:
        """The event log agrees: still queued, or still submitting with no run."""
        from uuid import UUID

        from jobraker.eventstore.app import get_jobraker

        application = get_jobraker().get_application(UUID(application_id))
        if why.startswith("queued"):
            return application.status.value == "queued"
        return application.status.value == "submitting" and application.run_id is None

    def _due_soon(self) -> set[str]:
        import redis

        client = redis.Redis.from_url(self.servers.redis.url)
        soon_ms = (time.time() + DUE_WITHIN_SECONDS) * 1000
        due = set()
        for key in ("dramatiq:apply.msgs", "dramatiq:apply.DQ.msgs"):
            for raw in client.hvals(key):
                message = json.loads(raw)
                if message["options"].get("eta", 0) <= soon_ms:
                    due.add(str(message["args"][0]))
        return due

    def recovery_seconds(self, drained: bool) -> float | None:
        """Seconds from the last fault to the first sample after which no application was stalled
        again (None: still stalled at the end). Whether all other work drained is reported apart."""
        if not self.samples:
            return None
        recovered: float | None = None
        for seconds, stalled in self.samples:
            if stalled != 0:
                recovered = None
            elif recovered is None:
                recovered = seconds
        return round(recovered, 1) if recovered is not None else None

    def _messages_pending(self) -> bool:
        """Dramatiq keeps every message, waiting, delayed or being worked on, in a ``.msgs`` hash
        until it is acknowledged; dead-lettered ones (``.XQ``) are not pending."""
        return any(count for key, count in self._message_counts().items() if ".XQ." not in key)

    def _dead_letters(self) -> dict[str, int]:
        return {key: count for key, count in self._message_counts().items() if ".XQ." in key and count}

    def _left(self) -> dict[str, object]:
        """What the drain still waits for: messages per queue (ready and delayed), each delayed
        message's actor, retries so far and when it is due, and the open applications."""
        try:
            return {"messages": self._message_counts(), "delayed": self._delayed(),
                    "open_applications": self._open_applications()}
        except (DatabaseError, RedisError, ValueError) as error:
            self._close_connections()
            return {"unreadable": type(error).__name__}

    def _delayed(self) -> list[dict[str, object]]:
        """A retry backs off exponentially, so a message the faults hit several times can be due
        minutes after the last fault: the drain waits for it."""
        import redis

        from jobraker.workers.orphans import due_ms

        client = redis.Redis.from_url(self.servers.redis.url)
        now_ms = time.time() * 1000
        delayed = []
        for key in client.scan_iter("dramatiq:*.DQ.msgs"):
            for encoded in client.hvals(key):
                message = json.loads(encoded)
                delayed.append({"actor": message["actor_name"], "retries": message["options"].get("retries", 0),
                                "due_in_s": round((due_ms(message) - now_ms) / 1000, 1)})
        return sorted(delayed, key=lambda m: -m["due_in_s"])

    def _message_counts(self) -> dict[str, int]:
        import redis

        client = redis.Redis.from_url(self.servers.redis.url)
        return {key.decode(): client.hlen(key) for key in client.scan_iter("dramatiq:*.msgs")}

    def _work_left(self) -> bool:
        """Applications still queued or submitting: the scheduler polls the runs whose webhook never
        came (all of them here) and sends to review what a killed worker left mid-submission."""
        from jobraker.projections.models import ApplicationRecord

        return ApplicationRecord.objects.filter(status__in=OPEN_STATUSES).exists()

    def _open_applications(self) -> list[str]:
        from jobraker.projections.models import ApplicationRecord

        return [str(a) for a in ApplicationRecord.objects.filter(status__in=OPEN_STATUSES).values_list("id", flat=True)]

    def _check(self) -> dict[str, bool]:
        from jobraker.appliers.models import SkyvernRunLink
        from jobraker.eventstore.app import get_jobraker

        jobraker = get_jobraker()
        self.polled = SkyvernRunLink.objects.filter(next_poll_at__isnull=True).count()  # settled by the scheduler's polls
        from jobraker.projections.base import ProjectionRunner
        from jobraker.projections.registry import all_projections

        runner = ProjectionRunner(jobraker, all_projections())
        runner.catch_up()
        return {
            "no application sent to Skyvern twice": self._no_duplicate_submissions(),
            "every stream's versions run 1..n": self._streams_contiguous(),
            "hash chain verifies": self._chain_verifies(),
            "no application left queued or submitting": not self._open_applications(),
            "no message dead-lettered": not self._dead_letters(),
            "projections equal a fresh rebuild": self._projections_rebuild_equal(runner),
            f"recovered within {self.args.recovery_target:.0f} s of the last fault": self._recovered(),
        }

    def _recovered(self) -> bool:
        seconds = self.recovery_seconds(self.drained)
        return seconds is not None and seconds <= self.args.recovery_target

    def _no_duplicate_submissions(self) -> bool:
        sent = Counter((task["url"], task["prompt"]) for task in self.skyvern.tasks)
        self.duplicates = [key[0] for key, count in sent.items() if count > 1]
        return not self.duplicates

    def _streams_contiguous(self) -> bool:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT originator_id FROM {_events_table()} GROUP BY originator_id"
                " HAVING count(*) <> max(originator_version) OR min(originator_version) <> 1) AS gaps"
            )
            return cursor.fetchone()[0] == 0

    def _chain_verifies(self) -> bool:
        result = subprocess.run([sys.executable, "-m", "jobraker", "audit", "verify"], env=self.fleet.env,
                                capture_output=True, text=True, check=False)
        self.chain_report = (result.stdout + result.stderr).strip().splitlines()[-1:]
        return result.returncode == 0

    def _projections_rebuild_equal(self, runner) -> bool:  # type: ignore[no-untyped-def]
        before = _read_models()
        for projection in runner.projections:
            runner.rebuild(projection)
        after = _read_models()
        self.rebuild_differences = [table for table in before if before[table] != after[table]]
        return not self.rebuild_differences

    def _summary(self, candidates: list[str], drained: bool, invariants: dict[str, bool]) -> dict:
        from jobraker.projections.models import ApplicationRecord

        statuses = Counter(ApplicationRecord.objects.values_list("status", flat=True))
        return {
            "candidates": len(candidates),
            "seconds": round(time.monotonic() - self.started, 1),
            "faults": dict(self.faults.counts),
            "faults_total": sum(self.faults.counts.values()),
            "drained_before_deadline": drained,
            "left_at_deadline": getattr(self, "left_at_deadline", None),
            "left_after_two_minutes": self.left_after_two_minutes,
            "delayed_at_drain_start": self.delayed_at_drain_start,
            "skyvern_tasks": len(self.skyvern.tasks),
            "adzuna_requests": len(self.adzuna.requests),
            "applications": dict(statuses),
            "polled_runs": self.polled,
            "recovery_seconds": self.recovery_seconds(drained),
            "stalled_peak": max((n for _, n in self.samples), default=0),
            "last_stall": self.last_stall,
            "drain_seconds": round(self.samples[-1][0], 1) if self.samples else None,
            "duplicates": self.duplicates,
            "dead_letters": self._dead_letters(),
            "rebuild_differences": self.rebuild_differences,
            "chain": self.chain_report,
            "invariants": invariants,
        }

    @staticmethod
    def _close_connections() -> None:
        from django.db import connections

        with suppress(DatabaseError):
            connections.close_all()


def _events_table() -> str:
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker().recorder.events_table_name  # type: ignore[attr-defined]


def _close_event_store() -> None:
    from jobraker.components import components

    components().forget("event_store")


def _read_models() -> dict[str, list]:
    """Every read table's rows in a stable order, without what differs by when it was written."""
    from django.forms.models import model_to_dict

    from jobraker.projections.models import (
        ApplicationRecord,
        CandidateRecord,
        JobRecord,
        TimelineEntry,
    )

    def rows(model, order, drop=()):  # type: ignore[no-untyped-def]
        return [{k: v for k, v in model_to_dict(o).items() if k not in drop} for o in model.objects.order_by(*order)]

    return {
        "candidates": rows(CandidateRecord, ["id"]),
        "jobs": rows(JobRecord, ["id"], drop=("search",)),
        "applications": rows(ApplicationRecord, ["id"]),
        "timeline": rows(TimelineEntry, ["aggregate_id", "version"], drop=("id",)),
    }


if __name__ == "__main__":
    sys.exit(main())
