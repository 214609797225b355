"""Fault test: real Dramatiq worker processes on the real Redis, SIGKILLed at random moments
while they submit applications to a slow loopback Skyvern, and restarted, many times.

What must hold afterwards (issue #5, "at most once"):
- zero duplicate submissions: no job is ever posted to Skyvern twice;
- nothing lost: every message is processed and acknowledged (none dead-lettered), and every
  application ends submitted, needs review or failed once the reconcilers have run (none
  left queued or submitting);
- zero lost events: each application's versions are contiguous, the hash chain over the
  whole log verifies, and the notification each application's queued event asked for exists.

The workers run with the broker's heartbeat timeout and the Skyvern slots' lease shortened
(JOBRAKER_BROKER_HEARTBEAT_TIMEOUT_MS, JOBRAKER_BROKER_MAINTENANCE_CHANCE,
JOBRAKER_SKYVERN_SLOT_LEASE_SECONDS) so that a killed worker's messages and slots come back
in seconds rather than a minute.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.domain.application import Application, Status

from ..conftest import relay_from_now, unique_email
from ..fakes.skyvern_server import FakeSkyvern
from ..integration.test_auto_apply import auto_applying_candidate

APPLICATIONS = 40
KILLS = 12
WORKERS = 2
QUEUES = ("apply", "default")
CONFIRMED = {"submitted": True, "confirmation": "Thank you for applying. Reference JR-1"}


class WorkerProcess:
    """``dramatiq jobraker.workers.process`` (what `jobraker worker` runs) in its own process group (killed as a whole)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "jobraker.workers.process", "--processes", "1", "--threads", "3",
             "--queues", *QUEUES],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def worker_env(skyvern: FakeSkyvern) -> dict[str, str]:
    env = dict(os.environ)  # the test run's DATABASE_URL, REDIS_URL and data folder (master key)
    env.update(
        SKYVERN_API_KEY=skyvern.api_key, SKYVERN_BASE_URL=skyvern.base_url,
        JOBRAKER_BROKER_HEARTBEAT_TIMEOUT_MS="2000", JOBRAKER_BROKER_MAINTENANCE_CHANCE="1000000",
        JOBRAKER_SKYVERN_SLOT_LEASE_SECONDS="3", JOBRAKER_SKYVERN_CONCURRENCY="5",
    )
    return env


def unfinished_messages(broker) -> int:  # type: ignore[no-untyped-def]
    """Messages enqueued, delayed or in flight (a message leaves the hash when it is acknowledged)."""
    client = broker.client
    return sum(client.hlen(f"dramatiq:{q}.msgs") + client.hlen(f"dramatiq:{q}.DQ.msgs") for q in QUEUES)


def dead_letters(broker) -> int:  # type: ignore[no-untyped-def]
    return sum(broker.client.zcard(f"dramatiq:{q}.XQ") for q in QUEUES)


@pytest.mark.timeout(180)
def test_killing_workers_mid_submission_never_submits_twice_and_loses_nothing(jobraker, projector):
    from jobraker.appliers.submit import flag_stuck_submissions
    from jobraker.appliers.webhooks import poll_silent_runs
    from jobraker.domain.notification import notification_id
    from jobraker.workers import actors  # noqa: F401  (declares the queues)
    from jobraker.workers.broker import broker

    the_broker = broker()
    for queue in QUEUES:  # earlier tests' leftovers are not this test's work
        the_broker.flush(queue)
    seed = os.environ.get("FAULT_SEED") or str(random.randrange(10**6))
    random.seed(seed)  # the victims and the moments; FAULT_SEED=<seed> repeats them

    setup_started = time.monotonic()
    relay = relay_from_now(jobraker)
    applications = {}
    for n in range(APPLICATIONS):
        candidate_id = auto_applying_candidate(jobraker)
        url = f"https://jobs.example.org/fault/{unique_email()}/{n}"
        job_id, _ = jobraker.post_job(source="test", external_id=url, title="Django developer", company="Faultco", url=url)
        app_id, _, decision = jobraker.record_match(candidate_id, job_id, 90, "test-model", {})
        assert decision.queue, decision.reason
        applications[app_id] = url

    logs = Path(tempfile.mkdtemp(prefix="jr-fault-"))
    started = time.monotonic()
    with FakeSkyvern(delay=0.4) as skyvern:
        skyvern.server.handle_error = lambda *_: None  # killed clients drop connections mid-answer: expected here
        env = worker_env(skyvern)
        workers = [WorkerProcess(env, logs / f"worker-{i}.log") for i in range(WORKERS)]
        relay.catch_up()  # the relay sends one submit message per queued application (and notifications)
        try:
            # Kills start with the first submission: on a loaded machine a worker takes seconds to
            # start, and kills every second or so could otherwise all land before any submission.
            first_post = time.monotonic() + 60
            while not skyvern.tasks and time.monotonic() < first_post:
                time.sleep(0.05)
            kills, posts_at_kill = 0, []
            while kills < KILLS:
                time.sleep(random.uniform(0.7, 1.8))
                victim = random.randrange(WORKERS)
                workers[victim].kill()
                posts_at_kill.append(len(skyvern.tasks))
                kills += 1
                workers[victim] = WorkerProcess(env, logs / f"worker-{victim}.log")
            killing_done = time.monotonic()
            deadline = time.monotonic() + 60
            while unfinished_messages(the_broker) and time.monotonic() < deadline:
                time.sleep(0.3)
            left = unfinished_messages(the_broker)
            drained = time.monotonic()
        finally:
            for worker in workers:
                worker.stop()
        assert left == 0, f"{left} messages never processed; worker logs in {logs}; FAULT_SEED={seed}"
        assert dead_letters(the_broker) == 0
        # (kills landed while submissions were under way, not before or after them all)
        assert any(0 < n < APPLICATIONS for n in posts_at_kill), posts_at_kill

        # Zero duplicate submissions.
        posted = Counter(task["url"] for task in skyvern.tasks)
        assert set(posted) <= set(applications.values())
        assert max(posted.values()) == 1, (seed, [url for url, n in posted.items() if n > 1])

        # The reconcilers: submissions a kill left without a recorded run go to review (never
        # resubmitted); recorded runs are asked for their outcome, as the scheduler does.
        projector.catch_up()
        flagged = flag_stuck_submissions(jobraker, now=timezone.now() + timedelta(hours=1))
        for n in range(1, len(skyvern.tasks) + 1):
            skyvern.statuses[skyvern.run_id(n)] = "completed"
            skyvern.outputs[skyvern.run_id(n)] = CONFIRMED
        poll_silent_runs(jobraker, SkyvernApplier(skyvern.base_url, skyvern.api_key), now=timezone.now() + timedelta(hours=1))
    elapsed = time.monotonic() - started

    # Every application is accounted for; none left queued or submitting.
    finals = {app_id: jobraker.get_application(app_id) for app_id in applications}
    statuses = Counter(a.status for a in finals.values())
    assert set(statuses) <= {Status.SUBMITTED, Status.NEEDS_REVIEW, Status.FAILED}, statuses
    run_urls = {skyvern.run_id(n): task["url"] for n, task in enumerate(skyvern.tasks, start=1)}
    for app_id, application in finals.items():
        url = applications[app_id]
        if application.status is Status.SUBMITTED:  # sent once, its run recorded, confirmed
            assert posted[url] == 1 and run_urls[application.run_id] == url
        if application.run_id is None and posted[url]:  # sent, but the kill came before the run was recorded
            assert application.status is Status.NEEDS_REVIEW
        assert application.history.count(Status.SUBMITTING) == 1

    # Zero lost events: contiguous versions, the hash chain intact, every queued event's notification sent.
    for app_id in applications:
        versions = [s.originator_version for s in jobraker.recorder.select_events(app_id)]
        assert versions == list(range(1, len(versions) + 1))
        stored = [jobraker.mapper.to_domain_event(s) for s in jobraker.recorder.select_events(app_id)]
        [queued] = [e for e in stored if isinstance(e, Application.StatusChanged) and e.status == "queued"]
        notification = jobraker.repository.get(notification_id(f"application:{app_id}:{queued.originator_version}"))
        assert notification.candidate_id == finals[app_id].candidate_id
    _assert_hash_chain_intact(jobraker)
    # No actor failed along the way (a kill is not an error to the workers that survive it).
    failures = [line for log in logs.glob("*.log") for line in log.read_text().splitlines() if "unhandled exception" in line]
    assert failures == [], failures[:3]
    shutil.rmtree(logs, ignore_errors=True)  # kept only when the test fails

    print(
        f"\nfault test (FAULT_SEED={seed}): {APPLICATIONS} applications, {KILLS} SIGKILLs, {len(skyvern.tasks)} posts to Skyvern "
        f"(max per job {max(posted.values())}), outcomes { {s.value: n for s, n in statuses.items()} }, "
        f"{len(flagged)} flagged for review after a kill; {elapsed:.1f} s (kills {killing_done - started:.1f} s, "
        f"drain {drained - killing_done:.1f} s; setup before that {started - setup_started:.1f} s)"
    )


def _assert_hash_chain_intact(jobraker) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from jobraker.audit.chain import extend_chain, verify

    extend_chain()
    with connection.cursor() as cursor:
        intact, problems = verify(cursor.cursor, jobraker.recorder.events_table_name)
    assert problems == [] and intact > 0
