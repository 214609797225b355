"""The API on a loopback port, for tests that need real sockets: gunicorn with Jobraker's config
(streams, threads, timing) in its own process, or Django's live server thread in the test's
process (sharing its database)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the API with one threaded worker; yields its origin (``http://127.0.0.1:PORT``)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jobraker.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--config", "python:jobraker.gunicorn_conf", "--no-control-socket"],
        env={**os.environ, "JOBRAKER_LOG_LEVEL": "WARNING", **(extra_env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the worker goes with the master
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(origin, process)
        yield origin
    finally:
        _stop(process)


def _wait_until_live(origin: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{origin}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:  # a worker thread still serving an abandoned stream
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def django_live_server() -> Iterator[str]:
    """Django's threaded live server on a free port; yields its origin."""
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(timeout=10)
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
