"""The CLI as an operator uses it: aligned tables, quiet when its reader goes away (`| head`),
and the running `jobraker up` found from any folder through --data-dir or JOBRAKER_DATA_DIR."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobraker.runtime.ownership import DataFolderLock

from .test_config import run_cli


def test_projections_status_is_an_aligned_table():
    result = run_cli("projections", "status")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    header, rows = lines[0], [line for line in lines[2:]]  # lines[1] is the rule under the header
    assert {"candidates", "jobs"} <= {row.split()[0] for row in rows}
    assert len({len(line) for line in [header, *rows]}) == 1  # every line as wide as the header
    position_end = header.index("position") + len("position")
    for row in rows:
        assert row[position_end - 1].isdigit() and row[position_end] == " "  # numbers end under their header


def test_a_closed_pipe_ends_quietly():
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = subprocess.Popen([sys.executable, "-m", "jobraker", "projections", "status"], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line (as `| head -0` would be)
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) in (1, 141)  # rich's own broken-pipe exit, or ours for plain prints
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


@pytest.fixture
def running_up(tmp_path: Path):
    """A data folder as a running `jobraker up` leaves it: locked, its servers' addresses published."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "runtime.json").write_text(
        json.dumps({"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"]})
    )
    # Its secrets and key-encryption keys, as the running `up` keeps them in its folder.
    session_dir = Path(os.environ["JOBRAKER_DATA_DIR"])
    for name in ("secrets.json", "keks.json"):
        if (session_dir / name).exists():
            shutil.copy2(session_dir / name, data_dir / name)
    lock = DataFolderLock(data_dir)
    lock.acquire()
    yield data_dir, lock
    lock.release()


def run_elsewhere(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    environ = {k: v for k, v in os.environ.items()
               if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "JOBRAKER_DATA_DIR"}}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "jobraker", *args], env=environ, cwd=elsewhere,
                          capture_output=True, text=True, timeout=60)


def test_commands_find_the_running_up_from_any_folder(running_up, tmp_path: Path):
    data_dir, lock = running_up
    for args, env in [
        (("--data-dir", str(data_dir), "projections", "status"), {}),
        (("projections", "status", "--data-dir", str(data_dir)), {}),
        (("projections", "status"), {"JOBRAKER_DATA_DIR": str(data_dir)}),
    ]:
        result = run_elsewhere(tmp_path, *args, **env)
        assert result.returncode == 0, (args, result.stderr)
        assert "candidates" in result.stdout

    lock.release()  # `up` stopped (or died): its published addresses are not followed
    result = run_elsewhere(tmp_path, "--data-dir", str(data_dir), "projections", "status")
    assert result.returncode == 2
    assert result.stderr == (f"jobraker: error: no `jobraker up` is running on data folder {data_dir}: start one, "
                             "point at its folder with --data-dir or JOBRAKER_DATA_DIR, or set DATABASE_URL and REDIS_URL\n")
