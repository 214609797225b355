"""Structured JSON logs (structlog), with the request id bound to every line of a request.

Logs carry ids, never personal values or secrets (docs/security.md): our own lines name ids
only; libraries that log request URLs or bodies (httpx, httpcore, openai, urllib3, Django's
SQL log) are held at WARNING; and, as a last guard, every rendered line has the configured
secrets and any e-mail address replaced before it is written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


# Loggers that print what they send or receive: httpx/httpcore log each request line with its
# query string (Adzuna's app_key and the search's words), openai logs request bodies (prompts)
# at DEBUG, Django's SQL log prints parameters, aiosmtpd's "mail.log" each SMTP command (envelope
# addresses) at DEBUG and every connection at INFO. Their warnings and errors still show.
QUIET_LOGGERS = (
    "pgserver", "eventsourcing", "dramatiq.broker", "httpx", "httpcore", "openai", "urllib3",
    "django.db.backends", "hpack", "asyncio", "mail.log",
)
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A secret shorter than this (e.g. the sandbox's "sandbox") would blank ordinary words.
MIN_SECRET_LENGTH = 8
_secrets: list[str] = []


def register_secrets(values: Iterable[str | None]) -> None:
    """Secrets to blank out of every log line, in the forms they take in URLs too."""
    forms = {form for value in values if value and len(value) >= MIN_SECRET_LENGTH
             for form in (value, quote(value, safe=""), quote_plus(value))}
    _secrets[:] = sorted(forms | set(_secrets), key=len, reverse=True)


def redact(line: str) -> str:
    for secret in _secrets:
        line = line.replace(secret, "[secret]")
    return EMAIL_ADDRESS.sub("[email]", line)


class RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """The last guard: whatever reached a log line, secrets and e-mail addresses leave it blank."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def loggable_path(request: object) -> str:
    """A request's path, unless it carries a capability token (an alert's unsubscribe link):
    then the route's pattern, so the log holds nothing that acts as a key."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "token" in match.kwargs:
        return "/" + match.route.lstrip("/")
    return str(getattr(request, "path", ""))


class RequestPathFilter(logging.Filter):
    """Django's own request warnings ("Not Found: /path") get the same path as our request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], loggable_path(request))
        return True


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    return RedactingFormatter(
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
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
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
    quiet_libraries()


def quiet_libraries() -> None:
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _install_filter(DramatiqRetryNoise(), "dramatiq.worker.WorkerThread", "dramatiq.middleware.retries.Retries")
    _install_filter(JazzminNoise(), "jazzmin.utils")
    _install_filter(RequestPathFilter(), "django.request")


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
