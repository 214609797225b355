"""One `jobraker up` per data folder: a second one refuses without disturbing the first, and
nothing `up` started outlives it, whether it is killed outright or its terminal is closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from jobraker.runtime.lifetime import pid_in

from ..live_servers import free_port
from .test_up import PASSWORD, Up, data_dir, log_in_once_projected  # noqa: F401  (data_dir is a fixture)

GONE_WITHIN = 30.0


def processes_of(up: Up, data_dir: Path) -> list[psutil.Process]:  # noqa: F811  (not the fixture)
    """Everything this `up` runs: its descendants, then (last) the PostgreSQL that pg_ctl detached.
    `up` adopts orphans, so the detached postmaster and its backends are among its descendants too:
    they are left out of the first part, since PostgreSQL outlives a killed `up` by design."""
    postmaster_pid = pid_in(data_dir / "postgres" / "postmaster.pid")
    assert postmaster_pid is not None
    postmaster = psutil.Process(postmaster_pid)
    postgres = {postmaster_pid, *(p.pid for p in postmaster.children(recursive=True))}
    processes = [p for p in psutil.Process(up.process.pid).children(recursive=True) if p.pid not in postgres]
    return [*processes, postmaster]


def still_alive(processes: list[psutil.Process], within: float = GONE_WITHIN) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.3)


def token(base: str, email: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_second_up_refuses_and_nothing_outlives_a_killed_or_hung_up_up(data_dir: Path):  # noqa: F811
    first = Up(data_dir, free_port())
    first.wait_ready()
    created = httpx.post(f"{first.base}/api/v1/auth/register",
                         json={"email": "grace@example.org", "name": "Grace Hopper", "password": PASSWORD})
    assert created.status_code == 202, created.text

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(JOBRAKER_DATA_DIR=str(data_dir), JOBRAKER_PORT=str(free_port()))
    second = subprocess.run([sys.executable, "-m", "jobraker", "up"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert second.returncode == 2
    assert second.stdout == ""
    assert second.stderr.count("\n") == 1 and f"(PID {first.process.pid})" in second.stderr, second.stderr

    # The first is untouched: its published addresses, Redis and PostgreSQL all still serve.
    assert (data_dir / "runtime.json").exists()
    registered = httpx.post(f"{first.base}/api/v1/auth/register",
                            json={"email": "alan@example.org", "name": "Alan Turing", "password": PASSWORD})
    assert registered.status_code == 202, registered.text
    log_in_once_projected(first.base, "grace@example.org")

    # SIGKILL: the children die with `up` (PR_SET_PDEATHSIG); PostgreSQL, detached by pg_ctl, waits for the next up.
    left_by_first = processes_of(first, data_dir)
    first.process.kill()
    first.process.wait(timeout=10)
    first.log.close()
    postmaster = left_by_first[-1]
    assert still_alive(left_by_first[:-1]) == []

    third = Up(data_dir, free_port())
    try:
        third.wait_ready()
        assert still_alive([postmaster], within=0) == [], "the dead owner's PostgreSQL was not stopped"
        assert token(third.base, "grace@example.org").status_code == 200  # the data is kept
        handles = data_dir / "postgres" / ".handle_pids.json"
        assert str(first.process.pid) not in (handles.read_text() if handles.exists() else "")
        running = processes_of(third, data_dir)
    except BaseException:
        third.stop()
        raise

    # SIGHUP (a closed terminal) stops everything, PostgreSQL and Redis included.
    third.process.send_signal(signal.SIGHUP)
    assert third.process.wait(timeout=60) == 0
    third.log.close()
    assert still_alive(running, within=10) == []
    assert not (data_dir / "runtime.json").exists()
