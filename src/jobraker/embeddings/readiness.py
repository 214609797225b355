"""Whether this process can embed yet. The local model loads on first use, which takes a while
on a small machine: until it has, semantic search and match scores would be empty or zero, so
readiness (/health/ready) says "loading model" and answers 503. The API loads it in the
background as it starts (gunicorn_conf.py) and the first readiness probe starts it too."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

NOT_LOADED, LOADING, LOADED = "model not loaded", "loading model", "ok"


class ModelWarmUp:
    def __init__(self, load: Callable[[], object]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self.state = NOT_LOADED

    def start(self) -> None:
        """Load in a daemon thread (once; again after a failure)."""
        with self._lock:
            if self.state in (LOADING, LOADED):
                return
            self.state = LOADING
        threading.Thread(target=self._run, name="embedding-warm-up", daemon=True).start()

    def _run(self) -> None:
        try:
            self._load()
        except Exception as exc:  # noqa: BLE001 - reported by readiness, tried again on the next probe
            log.warning("embedding_model_load_failed", error=type(exc).__name__)
            self.state = f"error: {type(exc).__name__}"
            return
        self.state = LOADED
        log.info("embedding_model_loaded")

    def check(self) -> str:
        if self.state != LOADED:
            self.start()
        return self.state


def _load_model() -> None:
    """The local model is loaded by embedding a word; a remote provider has nothing to load here."""
    from jobraker.embeddings.providers import LocalE5Provider
    from jobraker.embeddings.selection import get_provider

    provider = get_provider()
    if isinstance(provider, LocalE5Provider):
        provider.embed_query("warm up")


warm_up = ModelWarmUp(_load_model)
