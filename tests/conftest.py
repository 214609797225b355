"""Test session set-up: real PostgreSQL (pgvector) and Redis, one fresh database per run,
started lazily for the tiers that use them (tests/integration, tests/api, tests/system; not
tests/unit, which runs with no server at all).

With ``DATABASE_URL`` and ``REDIS_URL`` set, the tests create a fresh database on
that server; otherwise they start the embedded servers in a temporary folder.
Tests share the database and are isolated by their own data (fresh e-mail
addresses and ids), since the event log is append-only.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

UNIT_TIER = Path(__file__).parent / "unit"
OWN_REDIS = "JOBRAKER_TEST_OWN_REDIS"
ARGON2_COST = ("JOBRAKER_ARGON2_MEMORY_KIB", "JOBRAKER_ARGON2_TIME_COST", "JOBRAKER_ARGON2_PARALLELISM")

_services: list = []
_state: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Django is set up for every tier (the code under test imports models); no server is
    started here: the ``services`` fixture starts them for the first test that needs them."""
    data_dir = Path(tempfile.mkdtemp(prefix="jrt-"))
    _state["data_dir"] = str(data_dir)
    given = os.environ.get("REDIS_URL")
    if not given or given == os.environ.get(OWN_REDIS):  # unset, or named by the run that started this one
        # Named now, started by ``services``: modules that build the broker on import (the
        # actors) need its address, not the server (where embedded.start_redis puts its socket).
        # Remembered as ours, so that pytest-xdist's workers, which inherit this environment,
        # each start a Redis of their own instead of taking this one for a given server.
        url = f"unix://{(data_dir / 'redis').resolve() / 'redis.sock'}"
        _state["embedded_redis"] = os.environ["REDIS_URL"] = os.environ[OWN_REDIS] = url
    # Argon2id at its lowest cost (Django's docs advise a fast hasher for tests): the suite makes
    # thousands of hashes, at about 0.4 s each at the production cost on these machines. Servers
    # the tests start inherit it. The cost itself is tested in tests/unit/test_password_hashing.py.
    for name, value in zip(ARGON2_COST, ("64", "1", "1"), strict=True):
        os.environ.setdefault(name, value)
    # The local embedding model runs on OpenMP threads, one per core by default. The suite keeps
    # both cores busy, and there a second thread waits spinning: the same embeddings took 42 %
    # more CPU (and longer) than on one thread (README, "Tests").
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.update(
        JOBRAKER_DATA_DIR=str(data_dir),
        JOBRAKER_ENV="development",
        DJANGO_SETTINGS_MODULE="jobraker.settings",
    )
    import django

    django.setup()
    _point_django_at_this_run(os.environ["REDIS_URL"])


def _point_django_at_this_run(redis_url: str) -> None:
    """pytest-django sets Django up before this hook when DJANGO_SETTINGS_MODULE is inherited
    (pytest-xdist's workers inherit the parent run's environment): the cache's address, the
    secret key made in the parent's data folder and the cached Settings are then the parent's,
    and are replaced here, before any module is collected. Without the key, tokens this process
    signs are refused by the servers it starts (gunicorn reads this run's data folder)."""
    from django.conf import settings
    from rest_framework_simplejwt.settings import api_settings as jwt_settings

    from jobraker.config import get_settings

    get_settings.cache_clear()
    settings.CACHES["default"]["LOCATION"] = redis_url
    secret_key = get_settings().secret_key
    if secret_key is not None and secret_key.get_secret_value() != settings.SECRET_KEY:
        # SIMPLE_JWT is the very dict simplejwt's settings read; a value it already read is
        # cached on the instance and read again once dropped.
        settings.SECRET_KEY = settings.SIMPLE_JWT["SIGNING_KEY"] = secret_key.get_secret_value()
        jwt_settings.__dict__.pop("SIGNING_KEY", None)
        assert "rest_framework_simplejwt.state" not in sys.modules, "its token backend kept the old key"


def pytest_unconfigure(config: pytest.Config) -> None:
    if "data_dir" in _state:
        shutil.rmtree(_state["data_dir"], ignore_errors=True)


@pytest.fixture(scope="session")
def services():  # type: ignore[no-untyped-def]
    """Real PostgreSQL (a fresh database) and Redis, started by the first test of a tier that
    uses them (every tier but tests/unit), and pointed at by the settings from then on. With
    ``DATABASE_URL``/``REDIS_URL`` set, their servers are used instead of embedded ones."""
    data_dir = Path(_state["data_dir"])
    from jobraker.runtime import embedded

    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        server = embedded.start_postgres(data_dir)
        server_url = server.url
        _services.append(server)
    if "embedded_redis" in _state:
        redis_server = embedded.start_redis(data_dir)
        _services.append(redis_server)
        assert redis_server.url == _state["embedded_redis"], "Redis listens where the settings say"
    dbname = f"jobraker_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        _state.update(server_url=server_url, dbname=dbname)
    database_url = _with_database(server_url, dbname)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    os.environ["DATABASE_URL"] = database_url
    _point_settings_at(database_url)
    yield
    _stop_services()


def _point_settings_at(database_url: str) -> None:
    """Django's settings were made before the database existed: its entry is updated in place
    (the connection handler holds this same dict), and the cached Settings dropped."""
    from django.conf import settings

    from jobraker.config import get_settings
    from jobraker.settings import _database

    get_settings.cache_clear()
    settings.DATABASES["default"].update(_database(database_url))


def _stop_services() -> None:
    if "dbname" in _state:
        from django.db import connections

        connections.close_all()
        _close_event_store()
        with psycopg.connect(_state["server_url"], autocommit=True) as conn:
            for dbname in (_state["dbname"], _state.get("template")):
                if dbname:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    for server in reversed(_services):
        server.stop()


def _close_event_store() -> None:
    """Closed and forgotten: the next ask builds one on the settings of the moment."""
    from jobraker.components import components

    components().forget("event_store")


def _with_database(url: str, dbname: str) -> str:
    return urlsplit(url)._replace(path=f"/{dbname}").geturl()


@pytest.fixture(scope="session")
def django_db_setup(services, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from jobraker.eventstore.app import get_jobraker

    with django_db_blocker.unblock():
        call_command("migrate", interactive=False, verbosity=0)
        _copy_as_template()  # before the event store opens its pool: a template has no other user
        get_jobraker()


def _copy_as_template() -> None:
    """The migrated, empty database, kept for ``own_database`` to copy."""
    from django.db import connections

    connections.close_all()
    template = f"{_state['dbname']}_template"
    with psycopg.connect(_state["server_url"], autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(template), sql.Identifier(_state["dbname"]))
        )
    _state["template"] = template


@contextmanager
def _database_of_its_own():  # type: ignore[no-untyped-def]
    """A database copied from the migrated empty one (CREATE DATABASE … TEMPLATE): the settings,
    Django's connection, the event store and a running live projector point at it meanwhile."""
    name = f"{_state['dbname']}_own_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_state["server_url"], autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(_state["template"]))
        )
    shared = os.environ["DATABASE_URL"]
    own = _with_database(_state["server_url"], name)
    _copy_keks(shared, own)
    _switch_database(own)
    try:
        yield
    finally:
        _switch_database(shared)
        with psycopg.connect(_state["server_url"], autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def own_database(django_db_setup, no_live_projector):  # type: ignore[no-untyped-def]
    """A database of the test's own, for tests that replay the whole log (rebuilds): on the
    shared database their time grew with every earlier test's events. Request it before
    ``jobraker`` and ``projector``; the session's live projector is paused meanwhile."""
    with _database_of_its_own():
        yield


@pytest.fixture(scope="module")
def module_database(django_db_setup):  # type: ignore[no-untyped-def]
    """A database of the module's own, for modules whose work scans what every test wrote
    (ranking all candidates against all listings, draining every pending mark): on the shared
    database their time grew with every earlier test. Use it as
    ``pytestmark = pytest.mark.usefixtures("module_database")``."""
    with _database_of_its_own():
        yield


def _copy_keks(source_url: str, target_url: str) -> None:
    """The KEK numbers the session's key file holds by now (earlier tests rotate it): the
    template has only #1, and a subject key wrapped by a later one must find its row."""
    with psycopg.connect(source_url) as source, psycopg.connect(target_url) as target:
        rows = source.execute("SELECT id, created_at FROM jobraker_keks").fetchall()
        target.cursor().executemany(
            "INSERT INTO jobraker_keks (id, created_at) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING", rows
        )


def _switch_database(database_url: str) -> None:
    from django.db import connections

    following = [projector for projector in _live if projector.running]
    for projector in following:
        projector.stop()
    connections.close_all()
    _close_event_store()
    os.environ["DATABASE_URL"] = database_url
    _point_settings_at(database_url)
    for projector in following:
        projector.start()


@pytest.fixture
def _database_access(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        yield


@pytest.fixture(autouse=True)
def _services_outside_the_unit_tier(request):  # type: ignore[no-untyped-def]
    """Every test but those in tests/unit gets the database (migrated, access allowed) and
    throttles cleared in Redis; a unit test that reaches for either fails (pytest-django blocks
    the database, and no Redis runs)."""
    if UNIT_TIER not in Path(str(request.node.path)).parents:
        request.getfixturevalue("_database_access")
        request.getfixturevalue("_fresh_throttles")
    yield


@pytest.fixture
def production_password_cost(monkeypatch):  # type: ignore[no-untyped-def]
    """Settings read without the suite's low Argon2 cost (the settings also read the process
    environment): Django's default cost, as a deployment runs, which production insists on."""
    from jobraker.config import get_settings

    for name in ARGON2_COST:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def jobraker(django_db_setup):  # type: ignore[no-untyped-def]
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker()


def embed_now() -> None:
    """What the ``embed_pending_vectors`` actor does, done here: tests that read matches after
    ``catch_up()`` need the vectors, and run no Dramatiq worker."""
    from jobraker.embeddings.selection import get_provider
    from jobraker.projections.embedder import embed_pending
    from jobraker.projections.models import EmbeddingPending

    deadline = time.monotonic() + 10
    while True:
        # The live projector (or a worker left from an earlier test) may have leased a row this
        # test needs, between our taking the leases back and our claim: writing a vector twice
        # is harmless, so take them back until nothing is left pending.
        EmbeddingPending.objects.update(claimed_until=None)
        while embed_pending(get_provider()):  # all of it: a test reads the vectors next
            pass
        if not EmbeddingPending.objects.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.05)


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

    @property
    def running(self) -> bool:
        return not self.stop_event.is_set()

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


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The session's live projector follows the log only through the tests that use it
    (started again before their fixtures are made). Otherwise its lanes, woken by every event
    in this process, took the GIL from the test: a state-machine test that writes thousands of
    events ran 11 s alone and 28 s after an API test had started the projector."""
    if not _live:
        return
    wanted = "live_projector" in getattr(item, "fixturenames", ())
    if wanted and not _live[0].running:
        _live[0].start()
    elif not wanted and _live[0].running:
        _live[0].stop()


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
    from jobraker.components import redis_client

    client = redis_client()
    for pattern in ("jobraker-cache:*throttle*", "jobraker-cache:*axes*"):  # DRF throttles, admin lockouts
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def _fresh_throttles(services):  # type: ignore[no-untyped-def]
    """Throttle history lives in Redis; each test starts with none (the throttle tests make their own)."""
    clear_throttles()
    yield


_head_at_start = [0]


@pytest.fixture
def head_at_start(jobraker):  # type: ignore[no-untyped-def]
    """The log's head as the test begins. Projections a test makes with fresh names start there
    (``start_fresh_projection``), so they replay the test's own events and not every earlier
    test's: from position 0, their time grew with the whole suite's log."""
    _head_at_start[0] = jobraker.recorder.max_notification_id() or 0
    return _head_at_start[0]


def start_fresh_projection(name: str) -> None:
    """Give a projection made by a test (after ``head_at_start``) its position at that head."""
    from jobraker.projections.models import ProjectionPosition

    ProjectionPosition.objects.create(name=name, position=_head_at_start[0])


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
def dramatiq_worker(services):  # type: ignore[no-untyped-def]
    """A real Dramatiq worker on the real Redis broker, for tests that send messages.
    Yields the broker; ``broker.join(queue)`` waits for that queue to drain."""
    from dramatiq import Worker

    from jobraker.workers import actors  # noqa: F401  (declares the actors)
    from jobraker.workers.broker import broker

    the_broker = broker()
    # A retry another test left delayed (backoff of minutes) would hold up this test's join().
    the_broker.flush_all()
    worker = Worker(the_broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield the_broker
    worker.stop()
