"""Structured JSON logs (structlog), with the request id bound to every line of a request."""

from __future__ import annotations

import logging
import sys

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        foreign_pre_chain=_SHARED,
    )


def json_logging_dict() -> dict[str, object]:
    """A ``logging.config.dictConfig`` for servers that configure logging themselves (gunicorn)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("pgserver", "eventsourcing", "dramatiq.broker"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _install_filter(DramatiqRetryNoise(), "dramatiq.worker.WorkerThread", "dramatiq.middleware.retries.Retries")
    _install_filter(JazzminNoise(), "jazzmin.utils")


def _install_filter(noise: logging.Filter, *loggers: str) -> None:
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, type(noise)) for f in logger.filters):
            logger.addFilter(noise)


class DramatiqRetryNoise(logging.Filter):
    """Dramatiq's per-attempt lines (no actor, no reason, a traceback each time): the RetryLog
    middleware (jobraker.workers.retry_log) writes one line per attempt instead."""

    DROPPED = ("Failed to process message", "Retrying message", "Retries exceeded for message")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.DROPPED)


class JazzminNoise(logging.Filter):
    """Jazzmin's user menu links to the signed-in account's admin page, which we do not register
    (accounts change through the API), and warns twice per admin page with the account's e-mail
    address in the line: noise, and personal data in the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Could not reverse url from")
