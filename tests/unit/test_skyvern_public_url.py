"""With a Skyvern key, Jobraker refuses to start (one line) when Skyvern could not deliver its
webhooks to JOBRAKER_PUBLIC_URL: Skyvern refuses loopback, private and .local hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobraker.cli import main
from jobraker.config import get_settings, load_settings, skyvern_webhook_problem


@pytest.mark.parametrize(("env", "refused"), [
    ({"SKYVERN_API_KEY": "k"}, True),  # the default http://127.0.0.1:8000
    ({"SKYVERN_API_KEY": "k", "JOBRAKER_PUBLIC_URL": "http://10.1.2.3:8000"}, True),
    ({"SKYVERN_API_KEY": "k", "JOBRAKER_PUBLIC_URL": "http://raker.local"}, True),
    ({"SKYVERN_API_KEY": "k", "JOBRAKER_PUBLIC_URL": "https://jobs.example.com"}, False),
    ({"SKYVERN_API_KEY": "k", "JOBRAKER_SKYVERN_SANDBOX": "true"}, False),  # `jobraker up`'s sandbox
    ({"SKYVERN_API_KEY": "k", "SKYVERN_BASE_URL": "http://10.0.0.5:8000"}, False),  # self-hosted, same network
    ({}, False),  # dry run: nothing is sent
])
def test_which_public_urls_skyvern_could_not_reach(tmp_path: Path, env, refused):
    settings = load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), **env})
    assert bool(skyvern_webhook_problem(settings)) is refused


def test_up_refuses_to_start_with_one_clear_line(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("JOBRAKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SKYVERN_API_KEY", "sk-real")
    monkeypatch.delenv("JOBRAKER_PUBLIC_URL", raising=False)
    monkeypatch.delenv("JOBRAKER_SKYVERN_SANDBOX", raising=False)
    monkeypatch.delenv("SKYVERN_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["up"]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "JOBRAKER_PUBLIC_URL" in err and "sk-real" not in err
