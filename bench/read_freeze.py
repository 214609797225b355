"""The read side under a burst of listings (issue 15): while 1,000 listings are posted and
embedded, candidates keep registering; how soon can each log in, and how far behind is the
projection login needs (candidates, which writes the login account)?

The real processes run beside this one, as `jobraker up` runs them: `jobraker projector --skip
candidates` (every other projection, each in its own lane), `jobraker projector --only
candidates` (the projection login needs, in a process of its own) and `jobraker worker` (the
embed_pending_vectors actor, the local e5 model). Baseline,
same run and same processes: the same registrations with nothing else going on. Before issue
15 the projector embedded inside its batches, and posting 290 listings kept a new candidate
from logging in for minutes.

Run alone with `.venv/bin/python bench/read_freeze.py` (BENCH_FREEZE_LISTINGS=100 for a short
run), or as part of bench/run.py (`--only freeze`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Row  # noqa: E402

LISTINGS = int(os.environ.get("BENCH_FREEZE_LISTINGS", 1000))
IDLE_LOGINS = int(os.environ.get("BENCH_FREEZE_IDLE_LOGINS", 10))
REGISTER_EVERY = 0.25  # seconds between registrations during the burst
LOGIN_TARGET_SECONDS = 2.0
LAG_TARGET_SECONDS = 1.0
PASSWORD = "correct horse battery staple 15"
NOTES: list[str] = []

ROLES = ["Backend developer", "Staff nurse", "Data analyst", "Site electrician", "Primary teacher", "Accountant",
         "UX designer", "Warehouse supervisor", "Chef de partie", "Solicitor", "Physiotherapist", "DevOps engineer"]
FIELDS = ["payments", "paediatrics", "retail analytics", "renewables", "early years", "audit", "mobile banking",
          "logistics", "fine dining", "property law", "sports injury", "cloud platforms"]
CITIES = ["London", "Leeds", "Manchester", "Bristol", "Glasgow", "Cardiff", "Belfast", "Leicester", "Brighton"]


def listing(n: int) -> dict:
    role, field, city = ROLES[n % len(ROLES)], FIELDS[(n // 3) % len(FIELDS)], CITIES[(n // 7) % len(CITIES)]
    return {
        "source": "bench-freeze", "external_id": f"freeze-{n}-{uuid.uuid4().hex[:6]}", "title": f"{role}, {field}",
        "company": f"Company {n % 97}", "location": city,
        "description": (f"We are hiring a {role.lower()} to join our {field} team in {city}. You will work with "
                        f"colleagues across the business, own your work from the first day and grow with us. "
                        f"Listing number {n}: {field} experience is a plus; training is provided."),
    }


def run(database_url: str) -> list[Row]:
    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker
    from projections import skip_history

    jobraker = build_jobraker(get_settings())
    skip_history(jobraker, database_url)
    # The processes `jobraker up` runs for the read side (runtime/supervisor.py).
    from jobraker.runtime.supervisor import COMMANDS, LOGIN_PROJECTOR

    with Process(*COMMANDS["projector"]), Process(*COMMANDS[LOGIN_PROJECTOR]), \
            Process("worker", "--processes", "1", "--threads", "2"):
        time.sleep(1)
        idle = [register_and_log_in(jobraker) for _ in range(IDLE_LOGINS)]
        burst, posted_seconds, embedded_seconds = during_burst(jobraker)
    jobraker.close()
    return report(idle, burst, posted_seconds, embedded_seconds)


def register_and_log_in(jobraker) -> tuple[float, float]:
    """(seconds until the candidates projection had the registration, seconds until login worked)."""
    from django.contrib.auth.hashers import make_password

    from jobraker.accounts.backends import EmailBackend
    from jobraker.accounts.models import Account
    from jobraker.projections.models import ProjectionPosition

    email = f"freeze-{uuid.uuid4().hex[:12]}@example.org"
    password_hash = make_password(PASSWORD)
    _, position = jobraker.register_candidate(email, "Freeze Probe", password_hash)
    registered = time.perf_counter()
    projected = None
    deadline = registered + 300
    while time.perf_counter() < deadline:
        if projected is None and ProjectionPosition.objects.filter(name="candidates", position__gte=position).exists():
            projected = time.perf_counter()
        if projected is not None and Account.objects.filter(email_index=_index(email)).exists():
            break
        time.sleep(0.005)
    # The login's own check (the API's login view adds throttles and lockouts around it).
    account = EmailBackend().authenticate(None, email=email, password=PASSWORD)
    logged_in = time.perf_counter()
    assert account is not None, "the registered candidate could not log in"
    return (projected or deadline) - registered, logged_in - registered


def _index(email: str) -> str:
    from jobraker.privacy.blind_index import email_index

    return email_index(email)


def during_burst(jobraker) -> tuple[list[tuple[float, float]], float, float]:
    """Post the listings from a thread; register candidates meanwhile until every listing has its
    vector. Returns the measurements, the seconds posting took and the seconds until embedded."""
    from django.db import connection

    from jobraker.projections.models import JobVector

    ids: list = []
    started = time.perf_counter()
    posted: list[float] = []

    def post_all() -> None:
        try:
            for n in range(LISTINGS):
                ids.append(jobraker.post_job(**listing(n))[0])
            posted.append(time.perf_counter() - started)
        finally:
            connection.close()

    poster = threading.Thread(target=post_all, daemon=True)
    poster.start()
    measured = []
    deadline = started + 3600
    while time.perf_counter() < deadline:
        measured.append(register_and_log_in(jobraker))
        if posted and JobVector.objects.filter(job_id__in=ids).count() >= LISTINGS:
            break
        time.sleep(REGISTER_EVERY)
    poster.join()
    embedded = time.perf_counter() - started
    return measured, posted[0] if posted else float("nan"), embedded


def report(idle: list[tuple[float, float]], burst: list[tuple[float, float]], posted: float, embedded: float) -> list[Row]:
    from projections import _percentile

    idle_lag, idle_login = [lag for lag, _ in idle], [login for _, login in idle]
    burst_lag, burst_login = [lag for lag, _ in burst], [login for _, login in burst]
    NOTES.append(
        f"Read side under a burst: {LISTINGS:,} listings posted ({posted:.0f} s) and embedded by `jobraker worker` "
        f"(all vectors after {embedded:.0f} s, {LISTINGS / embedded:.1f} listings/s) while the two `jobraker projector` "
        f"processes of `jobraker up` follow the log; {len(burst)} candidates registered meanwhile, one every {REGISTER_EVERY} s (plus the check), "
        f"each timed from the command's return until the candidates projection had it (lag) and until "
        f"the login backend accepted the password (login). Baseline: {len(idle)} registrations with nothing else "
        f"running, same processes. Login during the burst p50 {_percentile(burst_login, 50):.2f} s, max "
        f"{max(burst_login):.2f} s (idle p50 {_percentile(idle_login, 50):.2f} s, max {max(idle_login):.2f} s); "
        f"candidates lag during the burst p50 {_percentile(burst_lag, 50) * 1000:.0f} ms, p99 "
        f"{_percentile(burst_lag, 99) * 1000:.0f} ms (idle p99 {_percentile(idle_lag, 99) * 1000:.0f} ms)."
    )
    return [
        Row(f"login after registering, while {LISTINGS:,} listings are posted and embedded (max)",
            "the same with nothing else running (max)", max(idle_login), "during the burst (max)", max(burst_login),
            unit="s", lower_is_better=True,
            target=f"≤ {LOGIN_TARGET_SECONDS:.0f} s {'met' if max(burst_login) <= LOGIN_TARGET_SECONDS else 'MISSED'}",
            note=f"p50 {_percentile(burst_login, 50):.2f} s during, {_percentile(idle_login, 50):.2f} s idle"),
        Row("candidates projection lag during the burst (p99)", "idle (p99)", _percentile(idle_lag, 99) * 1000,
            "during the burst (p99)", _percentile(burst_lag, 99) * 1000, unit="ms", lower_is_better=True,
            target=f"≤ {LAG_TARGET_SECONDS * 1000:.0f} ms "
                   f"{'met' if _percentile(burst_lag, 99) <= LAG_TARGET_SECONDS else 'MISSED'}",
            note=f"p50 {_percentile(burst_lag, 50) * 1000:.0f} ms during, {_percentile(idle_lag, 50) * 1000:.0f} ms idle"),
    ]


class Process:
    """A `jobraker` sub-command as a separate process on this run's database and Redis."""

    def __init__(self, *command: str) -> None:
        self.command = command

    def __enter__(self) -> Process:
        self.log = tempfile.NamedTemporaryFile(prefix=f"jrb-{self.command[0]}-", suffix=".log", delete=False)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([sys.executable, "-m", "jobraker", *self.command], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(3)  # Django set up, listening
        if self.process.poll() is not None:
            raise RuntimeError(f"jobraker {self.command[0]} exited; see {self.log.name}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if not exc or exc[0] is None:
            Path(self.log.name).unlink(missing_ok=True)  # kept only when something went wrong


def main() -> None:
    from common import BenchDatabase, table

    with BenchDatabase() as database_url:
        rows = run(database_url)
    print(table(rows))
    print("\n".join(f"- {note}" for note in NOTES))


if __name__ == "__main__":
    main()
