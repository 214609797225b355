"""Run every benchmark in one go: `.venv/bin/python bench/run.py`.

Prints the table and writes docs/benchmarks.md. Each row's ratio compares two
things measured in the same run on the same database.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, BenchDatabase, machine, table  # noqa: E402

import adzuna_calls  # noqa: E402
import commands  # noqa: E402
import event_append  # noqa: E402
import vectors  # noqa: E402


def main() -> None:
    with BenchDatabase() as database_url:
        rows = (
            event_append.run(database_url) + commands.run(database_url) + vectors.run(database_url)
            + adzuna_calls.run(database_url)
        )
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "# Benchmarks\n\n"
        f"`.venv/bin/python bench/run.py` on {machine()}, {when}, embedded PostgreSQL 18. "
        "Each ratio compares two measurements taken in the same run on the same database.\n\n"
        + table(rows)
        + "\n"
    )
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
