"""Shared by the benchmarks: a fresh database on the embedded PostgreSQL, Django set up,
timing, and the Markdown table they report."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One comparison: ``ratio`` is measured ÷ baseline for rates (higher is better); for
    latencies (``lower_is_better``) it is baseline ÷ measured, so 1.0 means as fast as the baseline."""

    workload: str
    baseline: str
    baseline_rate: float
    measured: str
    measured_rate: float
    unit: str = "events/s"
    target: str = ""  # e.g. "≥ 0.70"; shown with whether it was met
    target_ratio: float | None = None
    note: str = ""  # a third figure (the practical limit) or latencies
    lower_is_better: bool = False
    paired_ratio: float | None = None  # the median of back-to-back pairs' ratios (Paired), when measured so

    @property
    def ratio(self) -> float:
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.lower_is_better:
            return self.baseline_rate / self.measured_rate
        return self.measured_rate / self.baseline_rate

    @property
    def verdict(self) -> str:
        if self.target_ratio is None:
            return self.target
        return f"{self.target} {'met' if self.ratio >= self.target_ratio else 'MISSED'}"


def rate(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def best_rates(works: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Each measurement's best of ``rounds``, taken in turns (a, b, c, a, b, c, ...) so that a
    neighbour's burst of load on the shared machine does not fall on one side only."""
    best: dict[str, float] = {name: 0.0 for name in works}
    for _ in range(rounds):
        for name, work in works.items():
            best[name] = max(best[name], work())
    return best


@dataclass
class Paired:
    """Baseline and measured run back to back, ``rounds`` times, the order swapped each round;
    each pair gives a ratio and the median of them is the result. On a shared machine a burst
    of someone else's load then lands inside one pair (an outlier the median ignores) instead
    of deciding a best-of on one side."""

    baseline: float
    measured: float
    ratios: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @classmethod
    def run(cls, baseline: Callable[[], float], measured: Callable[[], float], rounds: int) -> Paired:
        pairs = []
        for round_number in range(rounds):
            if round_number % 2:
                m, b = measured(), baseline()
            else:
                b, m = baseline(), measured()
            pairs.append((b, m))
        return cls(statistics.median(b for b, _ in pairs), statistics.median(m for _, m in pairs),
                   [m / b for b, m in pairs])

    def describe(self) -> str:
        return f"median of {len(self.ratios)} paired runs; pair ratios " + " ".join(f"{r:.2f}" for r in self.ratios)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | baseline | measured | ratio | target | also measured |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.workload} | {r.baseline}: {_number(r.baseline_rate)} {r.unit} | {r.measured}: "
            f"{_number(r.measured_rate)} {r.unit} | {r.ratio:.2f} | {r.verdict} | {r.note} |"
        )
    return "\n".join(lines)


def number(value: float) -> str:
    return _number(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


class BenchDatabase:
    """The embedded PostgreSQL in a temporary folder (or DATABASE_URL's server) with a fresh
    database; Django is set up against it and migrated. The embedded server gets the memory
    settings `jobraker up` gives it on this machine (runtime/postgres_sizing.py)."""

    def __enter__(self) -> str:
        sys.path.insert(0, str(ROOT / "src"))
        from jobraker.runtime import embedded
        from jobraker.runtime.postgres_sizing import machine_memory

        self.tmp = Path(tempfile.mkdtemp(prefix="jrb-"))
        os.environ["JOBRAKER_DATA_DIR"] = str(self.tmp)
        server_url = os.environ.get("DATABASE_URL")
        self.server = None if server_url else embedded.start_postgres(self.tmp, memory_bytes=machine_memory())
        self.server_url = server_url or self.server.url
        self.dbname = f"jobraker_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        url = urlsplit(self.server_url)._replace(path=f"/{self.dbname}").geturl()
        self.redis = None
        if not os.environ.get("REDIS_URL"):
            self.redis = embedded.start_redis(self.tmp)
            os.environ["REDIS_URL"] = self.redis.url
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobraker.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return url

    def __exit__(self, *exc: object) -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.dbname)))
        if self.redis:
            self.redis.stop()
        if self.server:
            self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
