"""Run every benchmark in one go: `.venv/bin/python bench/run.py` (add `--quick` for a short
run with small sizes; `--only api,vectors` runs some of them).

Prints the table and writes docs/benchmarks.md (not for --only runs unless --write). Each
row's ratio compares two things measured in the same run on the same database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Sizes for --quick; set before the benchmark modules read them.
QUICK = {
    "BENCH_SINGLE": "100", "BENCH_BATCH": "2000", "BENCH_ROUNDS": "2", "BENCH_PIPELINES": "40",
    "BENCH_VECTORS": "5000", "BENCH_CANDIDATES": "30", "BENCH_JOBS": "5000", "BENCH_API_CANDIDATES": "200",
    "BENCH_WRK_SECONDS": "4", "BENCH_REBUILD_PIPELINES": "60", "BENCH_LAG_COMMANDS": "40",
    "BENCH_EMBED_TEXTS": "32",
}
ORDER = ["append", "commands", "projections", "api", "vectors", "adzuna"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a minute or two")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(ORDER)}")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even for --quick/--only")
    args = parser.parse_args()
    if args.quick:
        for name, value in QUICK.items():
            os.environ.setdefault(name, value)
    chosen = [name for name in ORDER if not args.only or name in args.only.split(",")]

    from common import ROOT, BenchDatabase, machine, table

    started = time.perf_counter()
    rows, notes = [], []
    with BenchDatabase() as database_url:
        postgres = server_version(database_url)
        for name in chosen:
            module = __import__(MODULES[name])
            print(f"· {name} …", flush=True)
            section = module.run(database_url)
            rows += section
            notes += [n for n in getattr(module, "NOTES", [])]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "bench/run.py" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    text = (
        "# Benchmarks\n\n"
        f"`.venv/bin/python {command}` on {machine()}, PostgreSQL {postgres} (embedded, pgvector), "
        f"{when}, {time.perf_counter() - started:.0f} s. The machine is shared: each pair is measured in the "
        "same run, in turns, best of the rounds. Ratios are measured ÷ baseline for rates and baseline ÷ measured "
        "for latencies, so above 1 is better for Jobraker either way.\n\n"
        + table(rows)
        + "\n"
        + ("\n## How these were measured\n\n" + "\n".join(f"- {n}" for n in notes) + "\n" if notes else "")
    )
    print(text)
    if args.write or (not args.quick and not args.only):
        (ROOT / "docs" / "benchmarks.md").write_text(text)


MODULES = {
    "append": "event_append", "commands": "commands", "projections": "projections", "api": "api_load",
    "vectors": "vectors", "adzuna": "adzuna_calls",
}


def server_version(database_url: str) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]


if __name__ == "__main__":
    main()
