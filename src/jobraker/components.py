"""The composition root: the long-lived parts of a Jobraker process, built from its settings here
and nowhere else.

A process has one ``Components``: its event store (the application service with its connection
pool), its Redis client, its Dramatiq broker and its embedding provider, each built the first
time it is asked for and kept; its applier (Skyvern, the sandbox or the dry run) and its Adzuna
client, built on each call from the settings of the moment; and the projections the projector and
the relay follow. The entry points and the code under them (views, actors, projections) ask
``components()`` for the parts. The process's root reads the process's settings (``jobraker``
commands resolve them first: a running ``up``'s servers); tests that point the settings at
another database call ``forget("event_store")``, and a test may ``install`` a root of its own.

Each part's module is imported when the part is first built, not when this module is: the root
sits below the features that ask it for parts (a projection asks for Redis, an actor for the
event store), so importing them here at the top would make every one of those imports a cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis

from jobraker.config import Settings, get_settings

if TYPE_CHECKING:
    from dramatiq.brokers.redis import RedisBroker

    from jobraker.appliers.skyvern import Applier
    from jobraker.embeddings.providers import EmbeddingProvider
    from jobraker.eventstore.app import EncryptedJobraker
    from jobraker.sources.adzuna_client import AdzunaClient

# A process's projections and the hooks it runs after each catch-up.
Followed = tuple[list[Any], list[Callable[..., Any]]]


class Components:
    """What one Jobraker process is made of. Without ``settings`` it reads the process's settings
    each time (``get_settings()``: tests change them and clear the cache)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()  # two threads asking at once get the same part, built once

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    @property
    def event_store(self) -> EncryptedJobraker:
        """The application service: commands, the recorder, the keyring (it owns a connection pool)."""
        from jobraker.eventstore.app import build_jobraker

        return self._once("event_store", lambda: build_jobraker(self.settings))

    @property
    def redis(self) -> redis.Redis:
        return self._once("redis", lambda: redis.Redis.from_url(required_redis_url(self.settings),
                                                                 socket_connect_timeout=3, socket_timeout=5))

    @property
    def broker(self) -> RedisBroker:
        """The broker every actor declared without one uses (made Dramatiq's global broker)."""
        import dramatiq

        from jobraker.workers.broker import new_broker

        def build() -> RedisBroker:
            instance = new_broker(self.settings)
            dramatiq.set_broker(instance)
            return instance

        return self._once("broker", build)

    @property
    def embedding_provider(self) -> EmbeddingProvider:
        from jobraker.embeddings.selection import provider_for

        return self._once("embedding_provider", lambda: provider_for(self.settings))

    def applier(self) -> Applier:
        """Skyvern with a key (the sandbox under `jobraker up` without one), else the dry run."""
        from jobraker.appliers.factory import applier_for

        return applier_for(self.settings)

    def adzuna(self) -> AdzunaClient:
        """The Adzuna API with credentials, else the sandbox feed; its quota is kept in Redis."""
        from jobraker.sources.factory import adzuna_for

        return adzuna_for(self.settings, self.redis)

    def read_models(self) -> Followed:
        """What `jobraker projector` follows: every read-model projection, and the hash chain
        extended after each catch-up."""
        from jobraker.audit.chain import extend_chain
        from jobraker.projections.registry import all_projections

        return all_projections(), [extend_chain]

    def relay(self) -> Followed:
        """What `jobraker relay` follows: the reactions that turn events into queue messages."""
        from jobraker.workers.relay import relay_projections

        return relay_projections(), []

    def built(self, name: str) -> bool:
        return name in self._built

    def forget(self, name: str) -> None:
        """Close the part ``name`` if it was built; the next ask builds it again."""
        with self._lock:
            part = self._built.pop(name, None)
        if part is not None and hasattr(part, "close"):
            part.close()

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        part = self._built.get(name)  # built: no lock (a gunicorn worker's threads ask on every request)
        if part is not None:
            return part
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]


def required_redis_url(settings: Settings) -> str:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is resolved before Redis is used")
    return settings.redis_url


_process = Components()


def components() -> Components:
    """This process's components."""
    return _process


def install(parts: Components) -> Components:
    """Make ``parts`` this process's components (a test's own root; put the old one back after)."""
    global _process
    _process = parts
    return parts


def redis_client() -> redis.Redis:
    """This process's Redis client (shared by its threads: redis-py pools connections)."""
    return _process.redis
