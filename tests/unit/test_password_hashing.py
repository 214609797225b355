"""Password hashing: Argon2id at the settings' cost, production never below OWASP's minimum,
and a hash made at any cost checked at its own."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from jobraker.config import ConfigError, get_settings, load_settings

KEY = base64.b64encode(b"k" * 32).decode()
pytestmark = pytest.mark.usefixtures("production_password_cost")


def production(tmp_path: Path, **more: str) -> dict[str, str]:
    return {"JOBRAKER_ENV": "production", "JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_SECRET_KEY": "s" * 50,
            "JOBRAKER_MASTER_KEY": KEY, "JOBRAKER_BLIND_INDEX_KEY": KEY, "JOBRAKER_KEKS": f"1:{KEY}", **more}


def test_defaults_are_djangos_own_cost(tmp_path: Path):
    settings = load_settings(production(tmp_path))
    assert (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism) == (102_400, 2, 8)


@pytest.mark.parametrize(
    ("memory", "passes"), [("19455", "2"), ("1024", "1"), ("102400", "1")],
)
def test_production_refuses_a_cost_below_owasps_minimum(tmp_path: Path, memory: str, passes: str):
    environ = production(tmp_path, JOBRAKER_ARGON2_MEMORY_KIB=memory, JOBRAKER_ARGON2_TIME_COST=passes)
    with pytest.raises(ConfigError, match="below OWASP's minimum"):
        load_settings(environ)
    assert load_settings({**environ, "JOBRAKER_ENV": "development"}).argon2_memory_kib == int(memory)


def test_memory_below_argon2s_own_floor_is_a_one_line_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="at least 8 × JOBRAKER_ARGON2_PARALLELISM"):
        load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_ARGON2_MEMORY_KIB": "32",
                       "JOBRAKER_ARGON2_PARALLELISM": "8"})


def test_new_hashes_take_the_configured_cost_and_old_ones_keep_theirs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JOBRAKER_ARGON2_MEMORY_KIB", "4096")
    monkeypatch.setenv("JOBRAKER_ARGON2_TIME_COST", "3")
    monkeypatch.setenv("JOBRAKER_ARGON2_PARALLELISM", "2")
    get_settings.cache_clear()  # the fixture puts the suite's cost back afterwards
    encoded = make_password("correct horse battery")
    assert encoded.startswith("argon2$argon2id$") and "$m=4096,t=3,p=2$" in encoded
    assert identify_hasher(encoded).algorithm == "argon2"
    monkeypatch.setenv("JOBRAKER_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("JOBRAKER_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("JOBRAKER_ARGON2_PARALLELISM", "1")
    get_settings.cache_clear()
    assert check_password("correct horse battery", encoded)  # read at the cost written in it
    assert not check_password("correct horse batteries", encoded)
    assert "$m=64,t=1,p=1$" in make_password("correct horse battery")
