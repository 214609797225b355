"""What the runner records when a projection fails on an event: a description of the error
that carries no personal data, the delay before the next try, and the parked-event row."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.db import InterfaceError, OperationalError
from eventsourcing.persistence import Notification

from jobraker.projections.models import ParkedEvent

MAX_RETRY_DELAY_SECONDS = 60.0


class EventFailed(Exception):
    """A projection's handler raised on ``notification``; the handler's error is the cause."""

    def __init__(self, notification: Notification) -> None:
        super().__init__(f"projection failed on notification {notification.id}")
        self.notification = notification


@dataclass(frozen=True)
class ErrorShape:
    """An error reduced to what is safe to store and show: its class and where it happened,
    never its message (a handler's message, or PostgreSQL's DETAIL line, may quote the event's
    personal data, e.g. ``Key (email)=(…) already exists``)."""

    error_class: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> ErrorShape:
        database_error = _psycopg_error(exc)
        if database_error is not None:
            return cls(_qualified(type(database_error)), _describe_database_error(database_error))
        return cls(_qualified(type(exc)), _where_raised(exc))

    def __str__(self) -> str:
        return f"{self.error_class}: {self.message}"[:500]


# Errors of services a projection may call, by module and class name: looked up only in modules
# already imported (an error of a library that was never imported cannot occur), so the
# projector does not pay for importing them at start-up (openai alone takes over a second).
SERVICE_ERRORS = {
    "redis.exceptions": ("ConnectionError", "TimeoutError"),  # the relay's broker
    "dramatiq.errors": ("BrokerConnectionError",),
    "openai": ("APIConnectionError", "RateLimitError", "InternalServerError"),  # an embedding provider
}


def is_infrastructure(exc: BaseException | None) -> bool:
    """A service the projection needs did not answer (PostgreSQL, Redis, an embedding provider):
    not the event's fault, so it never counts towards parking the event; it is retried with
    the same backoff for as long as it lasts."""
    database = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
    return isinstance(exc, (*database, ConnectionError, TimeoutError, *_loaded_service_errors()))


def _loaded_service_errors() -> list[type]:
    return [
        getattr(sys.modules[module], name)
        for module, names in SERVICE_ERRORS.items()
        if module in sys.modules
        for name in names
        if hasattr(sys.modules[module], name)
    ]


def retry_delay(attempts: int, first_delay: float) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling from ``first_delay``, at most a
    minute (or ``first_delay``, if that is longer)."""
    return timedelta(seconds=min(first_delay * 2 ** (attempts - 1), max(first_delay, MAX_RETRY_DELAY_SECONDS)))


def park(projection: str, notification: Notification, error: ErrorShape, attempts: int, when: datetime) -> None:
    """Record that ``projection`` goes past this event (again, if an earlier park was resolved)."""
    ParkedEvent.objects.update_or_create(
        projection=projection,
        notification_id=notification.id,
        defaults={
            "topic": notification.topic[:255],
            "originator_id": notification.originator_id,
            "originator_version": notification.originator_version,
            "error_class": error.error_class[:200],
            "error_message": error.message[:500],
            "attempts": attempts,
            "parked_at": when,
            "resolved_at": None,
        },
    )


def open_parked(projections: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Parked events nobody has resolved yet (of these projections, if named)."""
    parked = ParkedEvent.objects.filter(resolved_at__isnull=True)
    return parked if projections is None else parked.filter(projection__in=projections)


def _psycopg_error(exc: BaseException) -> psycopg.Error | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, psycopg.Error):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _describe_database_error(error: psycopg.Error) -> str:
    """SQLSTATE and the names of what was violated: never the primary message or DETAIL, which
    can quote the values."""
    diag = error.diag
    names = [
        f"{label} {value}"
        for label, value in (("constraint", diag.constraint_name), ("table", diag.table_name), ("column", diag.column_name))
        if value
    ]
    return " ".join([f"SQLSTATE {error.sqlstate or '?'}", *names])


def _where_raised(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return "raised at " + " < ".join(f"{_module_of(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))


def _module_of(filename: str) -> str:
    marker = "/jobraker/"
    return filename[filename.rindex(marker) + 1 :] if marker in filename else filename.rsplit("/", 1)[-1]


def _qualified(klass: type) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"
