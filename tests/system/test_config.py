"""Configuration: validated, secrets generated once in development, refused in production."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobraker.config import ConfigError, load_settings

KEY = base64.b64encode(b"k" * 32).decode()


def test_development_generates_secrets_once_and_keeps_them(tmp_path: Path):
    first = load_settings({"JOBRAKER_DATA_DIR": str(tmp_path)})
    second = load_settings({"JOBRAKER_DATA_DIR": str(tmp_path)})
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value()
    assert len(first.master_key_bytes) == 32
    secrets_file = tmp_path / "secrets.json"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert set(json.loads(secrets_file.read_text())) >= {"JOBRAKER_SECRET_KEY", "JOBRAKER_MASTER_KEY"}


def test_secrets_file_is_private_from_its_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """It was written world-readable (0666 less the umask) and chmod-ed to 0600 afterwards; every
    byte must now go into a file that is already 0600, whatever the umask (0 here, the worst)."""
    data_dir = tmp_path / "data"
    modes: list[int] = []
    real_write = os.write

    def watching_write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(data_dir)):
            modes.append(os.fstat(fd).st_mode & 0o777)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", watching_write)
    previous = os.umask(0)
    try:
        load_settings({"JOBRAKER_DATA_DIR": str(data_dir)})
    finally:
        os.umask(previous)
    assert modes and set(modes) == {0o600}
    assert [p.name for p in data_dir.iterdir()] == ["secrets.json"]  # no temporary file left behind
    assert (data_dir / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert data_dir.stat().st_mode & 0o777 == 0o700


def test_environment_wins_over_generated_secrets(tmp_path: Path):
    settings = load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_MASTER_KEY": KEY})
    assert settings.master_key_bytes == b"k" * 32


def test_an_empty_variable_means_unset(tmp_path: Path):
    """docker-compose passes `${SKYVERN_API_KEY:-}` as an empty string: no key, not an empty key."""
    settings = load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "SKYVERN_API_KEY": "", "OPENAI_API_KEY": "",
                              "EMAIL_HOST": "", "JOBRAKER_CHAT_MODEL": ""})
    assert settings.skyvern_api_key is None and settings.openai_api_key is None and settings.email_host is None
    assert settings.chat_model == "gpt-4o-mini"


def test_production_names_the_missing_secret(tmp_path: Path):
    with pytest.raises(ConfigError, match="JOBRAKER_SECRET_KEY is not set"):
        load_settings({"JOBRAKER_ENV": "production", "JOBRAKER_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JOBRAKER_MASTER_KEY", "not base64!", "JOBRAKER_MASTER_KEY: must be base64"),
        ("JOBRAKER_MASTER_KEY", base64.b64encode(b"short").decode(), "got 5 bytes"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: must be a postgresql:// URL"),
        ("REDIS_URL", "http://x", "REDIS_URL: must be a redis://"),
        ("JOBRAKER_PORT", "99999", "JOBRAKER_PORT:"),
        ("JOBRAKER_ENV", "staging", "JOBRAKER_ENV:"),
    ],
)
def test_malformed_settings_give_one_line_errors(tmp_path: Path, name: str, value: str, message: str):
    with pytest.raises(ConfigError) as caught:
        load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), name: value})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "jobraker", *args], env=environ, capture_output=True, text=True, timeout=60
    )


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path):
    result = run_cli(
        "check", DATABASE_URL=f"postgresql://nobody@/nothing?host={tmp_path}", JOBRAKER_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 2
    assert result.stderr.startswith("jobraker: error: DATABASE_URL: cannot reach")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_malformed_master_key_on_the_command_line(tmp_path: Path):
    result = run_cli("check", JOBRAKER_MASTER_KEY="xyz", JOBRAKER_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == "jobraker: error: JOBRAKER_MASTER_KEY: must be base64 of 32 random bytes\n"


def test_check_passes_against_the_test_services():
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "database and Redis reachable" in result.stdout


def test_up_with_an_unreachable_database_says_so_in_one_line(tmp_path: Path):
    result = run_cli(
        "up",
        DATABASE_URL=f"postgresql://nobody@/nothing?host={tmp_path}",
        REDIS_URL=os.environ["REDIS_URL"],
        JOBRAKER_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("jobraker: error: DATABASE_URL: cannot reach")
    assert "Traceback" not in result.stderr
