"""Shared by the benchmarks: a fresh database on the embedded PostgreSQL, Django set up,
timing, and the Markdown table they report."""

from __future__ import annotations

import os
import platform
import shutil
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
    workload: str
    baseline: str
    baseline_rate: float
    measured: str
    measured_rate: float
    unit: str = "events/s"

    @property
    def ratio(self) -> float:
        return self.measured_rate / self.baseline_rate


def rate(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | baseline | baseline rate | measured | measured rate | ratio |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.workload} | {r.baseline} | {_number(r.baseline_rate)} {r.unit} | {r.measured} | "
            f"{_number(r.measured_rate)} {r.unit} | {r.ratio:.2f} |"
        )
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


class BenchDatabase:
    """The embedded PostgreSQL in a temporary folder (or DATABASE_URL's server) with a fresh
    database; Django is set up against it and migrated."""

    def __enter__(self) -> str:
        sys.path.insert(0, str(ROOT / "src"))
        from jobraker.runtime import embedded

        self.tmp = Path(tempfile.mkdtemp(prefix="jrb-"))
        os.environ["JOBRAKER_DATA_DIR"] = str(self.tmp)
        server_url = os.environ.get("DATABASE_URL")
        self.server = None if server_url else embedded.start_postgres(self.tmp)
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
