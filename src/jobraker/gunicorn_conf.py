"""gunicorn settings for ``jobraker serve``: its own logs go through structlog as JSON too."""

from jobraker.logs import json_logging_dict

logconfig_dict = json_logging_dict()
accesslog = None  # jobraker.api.middleware logs every request, with its request id

# Threads, so a server-sent-events stream (chat answers, live notifications) holds a
# thread rather than a whole worker process.
worker_class = "gthread"
threads = 16


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Load the embedding model as the worker starts, not on the first search (readiness waits for it)."""
    from jobraker.embeddings.readiness import warm_up

    warm_up.start()
