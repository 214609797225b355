"""200 concurrent clients for 60 s against `jobraker up` (everything running: API, projector,
relay, worker, scheduler, sandbox Skyvern): does anything fail?

`.venv/bin/python bench/up_load.py` starts `jobraker up` in a temporary folder, registers
candidates through the API, then runs wrk with 200 connections, each request a signed-in
candidate's read (their record, applications, notifications, a job search) or the health
check, and writes docs/load.md. The baseline is the same load on `/health/live` (no database)
in the same run. Exits 1 if any request failed (non-2xx, timeout, socket error).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import Wrk  # noqa: E402
from common import ROOT, machine  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", 200))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 60))
CANDIDATES = 4  # logins are throttled per address (the login throttle): a few candidates, many requests each
PASSWORD = "correct horse battery staple"
READS = ["/api/v1/candidates/me", "/api/v1/applications", "/api/v1/notifications", "/api/v1/jobs?q=python"]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="jobraker-load-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(JOBRAKER_DATA_DIR=str(work / "data"), JOBRAKER_PORT=str(port), JOBRAKER_LOG_LEVEL="WARNING")
    log = (work / "up.log").open("wb")
    up = subprocess.Popen([sys.executable, "-m", "jobraker", "up"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, up)
        tokens = [_candidate_token(base, n) for n in range(CANDIDATES)]
        requests = [(path, token) for token in tokens for path in READS]
        health = Wrk(base, [("/health/live", tokens[0])], clients=CLIENTS).run(SECONDS // 3)
        reads = Wrk(base, requests, clients=CLIENTS).run(SECONDS)
        report = _report(health, reads)
        print(report)
        (ROOT / "docs" / "load.md").write_text(report)
        return 0 if reads.errors == 0 and health.errors == 0 else 1
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def _report(health, reads) -> str:  # type: ignore[no-untyped-def]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Load: 200 clients against `jobraker up`\n\n"
        f"`.venv/bin/python bench/up_load.py` on {machine()}, {when}. wrk, {CLIENTS} connections, saturating "
        f"(each client sends its next request as soon as the last is answered); `jobraker up` with its defaults "
        f"(2 gunicorn workers × 16 threads) and every other process running.\n\n"
        "| load | requests/s | p50 ms | p99 ms | failed requests |\n| --- | ---: | ---: | ---: | ---: |\n"
        f"| `/health/live` (no database), {SECONDS // 3} s | {health.rps:.0f} | {health.p50_ms:.0f} | {health.p99_ms:.0f} | {health.errors} |\n"
        f"| signed-in reads ({CANDIDATES} candidates: record, applications, notifications, job search), {SECONDS} s "
        f"| {reads.rps:.0f} | {reads.p50_ms:.0f} | {reads.p99_ms:.0f} | {reads.errors} |\n\n"
        f"Reads ran at {reads.rps / health.rps:.2f} of the health check's rate. Failed counts non-2xx answers, "
        "timeouts (10 s) and socket errors; the target is none.\n"
    )


def _candidate_token(base: str, n: int) -> str:
    email = f"load-{n}-{time.time_ns()}@example.org"
    created = httpx.post(f"{base}/api/v1/auth/register", json={"email": email, "name": f"Load {n}", "password": PASSWORD})
    created.raise_for_status()
    # The registration answers no position (the same answer for every address): log in once the
    # projection has made the account.
    deadline = time.monotonic() + 60
    while True:
        token = httpx.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=30)
        if token.status_code != 401 or time.monotonic() > deadline:
            token.raise_for_status()
            return token.json()["access"]
        time.sleep(0.2)


def _wait_ready(base: str, up: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if up.poll() is not None:
            raise RuntimeError(f"jobraker up exited with {up.returncode}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("jobraker up was not ready within 120 s")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
