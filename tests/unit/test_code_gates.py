"""The code's own gates, run with the unit tier so every CI run enforces them: ruff's rules
(pyproject.toml), the import contracts that keep the layers apart (import-linter), and a pure
domain that type-checks under ``mypy --strict``. Versions are pinned in pyproject.toml so a new
release never fails a build by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    "gate",
    [
        (sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "bench"),
        (str(BIN / "lint-imports"), "--no-cache"),
        (sys.executable, "-m", "mypy", "--strict", "--no-incremental", "src/jobraker/domain"),
    ],
    ids=["ruff", "import-contracts", "mypy-strict-domain"],
)
def test_the_gate_passes(gate):
    result = run(*gate)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
