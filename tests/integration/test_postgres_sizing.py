"""`jobraker up` sizes its embedded PostgreSQL for the machine (issue 15): shared_buffers,
work_mem and effective_cache_size from the memory there is, applied once (ALTER SYSTEM) and
kept; a real embedded PostgreSQL shows them after the start."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
from hypothesis import given
from hypothesis import strategies as st

from jobraker.runtime import embedded
from jobraker.runtime.postgres_sizing import MB, machine_memory, postgres_settings


def megabytes(value: str) -> int:
    assert value.endswith("MB")
    return int(value[:-2])


def test_a_machine_of_16_gb_gets_a_quarter_for_buffers_and_three_quarters_as_cache():
    assert postgres_settings(16 * 1024 * MB) == {
        "shared_buffers": "4096MB", "effective_cache_size": "12288MB", "work_mem": "40MB", "maintenance_work_mem": "1024MB",
    }


def test_a_small_machine_keeps_postgres_minimums():
    settings = postgres_settings(512 * MB)
    assert settings["shared_buffers"] == "128MB" and settings["work_mem"] == "4MB"


@given(st.integers(256 * MB, 1024 * 1024 * MB), st.integers(256 * MB, 1024 * 1024 * MB))
def test_more_memory_never_gets_less_and_buffers_stay_within_the_memory(smaller, larger):
    smaller, larger = sorted((smaller, larger))
    small, large = postgres_settings(smaller), postgres_settings(larger)
    for name in small:
        assert megabytes(small[name]) <= megabytes(large[name]), name
    for settings, memory in ((small, smaller), (large, larger)):
        assert megabytes(settings["shared_buffers"]) <= max(128, memory // MB // 4)
        assert megabytes(settings["shared_buffers"]) <= megabytes(settings["effective_cache_size"])
        assert 4 <= megabytes(settings["work_mem"]) <= 64


def test_the_machines_memory_is_read():
    assert machine_memory() > 256 * MB


def test_the_embedded_server_starts_with_them_and_a_second_start_changes_nothing():
    data_dir = Path(tempfile.mkdtemp(prefix="jrsize-"))
    memory = 2048 * MB
    try:
        server = embedded.start_postgres(data_dir, memory_bytes=memory)
        try:
            with psycopg.connect(server.url) as conn:
                shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in postgres_settings(memory)}
            assert shown == {"shared_buffers": "512MB", "effective_cache_size": "1536MB", "work_mem": "5MB",
                             "maintenance_work_mem": "128MB"}
            assert not embedded.apply_sizing(server.url, postgres_settings(memory))  # already so: no restart
        finally:
            server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
