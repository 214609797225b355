"""Test session set-up: real PostgreSQL (pgvector) and Redis, one fresh database per run.

With ``DATABASE_URL`` and ``REDIS_URL`` set, the tests create a fresh database on
that server; otherwise they start the embedded servers in a temporary folder.
Tests share the database and are isolated by their own data (fresh e-mail
addresses and ids), since the event log is append-only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

_services: list = []
_state: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    data_dir = Path(tempfile.mkdtemp(prefix="jrt-"))
    _state["data_dir"] = str(data_dir)
    from jobraker.runtime import embedded

    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        server = embedded.start_postgres(data_dir)
        server_url = server.url
        _services.append(server)
    if not os.environ.get("REDIS_URL"):
        redis_server = embedded.start_redis(data_dir)
        os.environ["REDIS_URL"] = redis_server.url
        _services.append(redis_server)
    dbname = f"jobraker_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        _state.update(server_url=server_url, dbname=dbname)
    database_url = _with_database(server_url, dbname)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    os.environ.update(
        DATABASE_URL=database_url,
        JOBRAKER_DATA_DIR=str(data_dir),
        JOBRAKER_ENV="development",
        DJANGO_SETTINGS_MODULE="jobraker.settings",
    )
    import django

    django.setup()


def pytest_unconfigure(config: pytest.Config) -> None:
    if "dbname" in _state:
        from django.db import connections

        connections.close_all()
        _close_event_store()
        with psycopg.connect(_state["server_url"], autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_state["dbname"]))
            )
    for server in reversed(_services):
        server.stop()
    if "data_dir" in _state:
        shutil.rmtree(_state["data_dir"], ignore_errors=True)


def _close_event_store() -> None:
    from jobraker.eventstore.app import get_jobraker

    if get_jobraker.cache_info().currsize:
        get_jobraker().close()


def _with_database(url: str, dbname: str) -> str:
    return urlsplit(url)._replace(path=f"/{dbname}").geturl()


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from jobraker.eventstore.app import get_jobraker

    with django_db_blocker.unblock():
        call_command("migrate", interactive=False, verbosity=0)
        get_jobraker()


@pytest.fixture(autouse=True)
def _database_access(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def jobraker():  # type: ignore[no-untyped-def]
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker()


def embed_now() -> None:
    """What the ``embed_pending_vectors`` actor does, done here: tests that read matches after
    ``catch_up()`` need the vectors, and run no Dramatiq worker."""
    from jobraker.embeddings.selection import get_provider
    from jobraker.projections.embedder import embed_pending

    while embed_pending(get_provider()):  # all of it: a test reads the vectors next
        pass


@pytest.fixture
def projector(jobraker):  # type: ignore[no-untyped-def]
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.registry import all_projections

    return ProjectionRunner(jobraker, all_projections(), after_catch_up=[embed_now])


class LiveProjector:
    """The real projector loop (LISTEN/NOTIFY) in a thread; ``paused()`` stops it for a while."""

    def __init__(self, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
        self.blocker = django_db_blocker
        self.start()

    def start(self) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="projector", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)

    @contextmanager
    def paused(self):  # type: ignore[no-untyped-def]
        self.stop()
        try:
            yield
        finally:
            self.start()

    def _run(self) -> None:
        from django.db import connection

        from jobraker.eventstore.app import get_jobraker
        from jobraker.projections.base import ProjectionRunner
        from jobraker.projections.registry import all_projections

        with self.blocker.unblock():
            try:
                ProjectionRunner(get_jobraker(), all_projections(), after_catch_up=[embed_now]).run_forever(
                    self.stop_event, os.environ["DATABASE_URL"], poll_seconds=0.2
                )
            finally:
                connection.close()


_live: list[LiveProjector] = []


@pytest.fixture(scope="session")
def live_projector(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """For tests that read their own writes through the API."""
    projector = LiveProjector(django_db_blocker)
    _live.append(projector)
    yield projector
    projector.stop()


@pytest.fixture
def no_live_projector():  # type: ignore[no-untyped-def]
    """For tests that must be the only projector: pauses the session's live one if it runs."""
    if not _live:
        yield
        return
    with _live[0].paused():
        yield


def unique_email(prefix: str = "candidate") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.org"


def clear_throttles() -> None:
    from jobraker.workers.broker import redis_client

    client = redis_client()
    for pattern in ("jobraker-cache:*throttle*", "jobraker-cache:*axes*"):  # DRF throttles, admin lockouts
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle history lives in Redis; each test starts with none (the throttle tests make their own)."""
    clear_throttles()
    yield


def relay_from_now(jobraker):  # type: ignore[no-untyped-def]
    """A relay runner that starts at the log's current head, so a test reacts only to its own
    events (the shared test database holds every earlier test's events too)."""
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.models import ProjectionPosition
    from jobraker.workers.relay import Relay

    relay = Relay()
    relay.name = f"relay-{uuid.uuid4().hex[:8]}"  # type: ignore[misc]
    ProjectionPosition.objects.create(name=relay.name, position=jobraker.recorder.max_notification_id() or 0)
    return ProjectionRunner(jobraker, [relay])


@pytest.fixture
def dramatiq_worker():  # type: ignore[no-untyped-def]
    """A real Dramatiq worker on the real Redis broker, for tests that send messages.
    Yields the broker; ``broker.join(queue)`` waits for that queue to drain."""
    from dramatiq import Worker

    from jobraker.workers import actors  # noqa: F401  (declares the actors)
    from jobraker.workers.broker import broker

    the_broker = broker()
    worker = Worker(the_broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield the_broker
    worker.stop()
