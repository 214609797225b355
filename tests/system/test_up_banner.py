"""`jobraker up` prints its banner only once the API answers ready and the read models have caught
up with the log (issue 16, item 3): never while a request would still fail."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from ..live_servers import free_port
from .test_up import Up

BANNER = "Jobraker is up"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_banner_comes_when_the_api_answers_ready_and_caught_up():
    folder = Path(tempfile.mkdtemp(prefix="jrbanner-"))
    up = Up(folder / "data", free_port())
    log = folder / "data-up.log"
    try:
        started = time.monotonic()
        while BANNER not in log.read_text(errors="replace"):
            assert up.process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() - started < 180, "no banner within 180 s"
            time.sleep(0.05)
        seen = time.monotonic() - started
        # At once, with no retry: the API answers, ready, every read model at the log's head.
        ready = httpx.get(f"{up.base}/health/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["embeddings"] == "ok"
        assert ready.json()["projection_lag"] == 0
        text = log.read_text(errors="replace")
        assert text.index("waiting for the API") < text.index(BANNER)
        print(f"\nbanner {seen:.1f} s after `jobraker up` started")
    finally:
        up.stop()
        shutil.rmtree(folder, ignore_errors=True)
