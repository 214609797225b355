"""Projections and the runner that feeds them from the event log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from functools import singledispatchmethod
from typing import Any, ClassVar

import psycopg
import structlog
from django.db import close_old_connections, transaction
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from jobraker.domain.service import Jobraker
from jobraker.privacy.keyring import SubjectErased
from jobraker.projections.models import ProjectionPosition

log = structlog.get_logger(__name__)


class Projection:
    """Turns events into rows.

    A subclass defines ``process`` as a ``singledispatchmethod`` and registers one
    handler per event class it cares about; the runner reads only those topics.
    """

    name: ClassVar[str]
    needs_metadata: ClassVar[bool] = False  # the relay passes correlation ids on to messages

    def process(self, event: Any, position: int) -> None:
        raise NotImplementedError

    def handle(self, event: Any, position: int, metadata: dict[str, Any]) -> None:
        self.process(event, position)

    def reset(self) -> None:
        """Delete every row this projection wrote (the first step of a rebuild)."""
        raise NotImplementedError

    def handled_topics(self) -> list[str]:
        dispatcher = next(
            klass.__dict__["process"].dispatcher
            for klass in type(self).__mro__
            if isinstance(klass.__dict__.get("process"), singledispatchmethod)
        )
        return [get_topic(cls) for cls in dispatcher.registry if cls is not object]


class ProjectionRunner:
    """Feeds projections from the log in batches, each batch one transaction with its position."""

    def __init__(
        self, app: Jobraker, projections: Iterable[Projection], batch_size: int = 500,
        after_catch_up: Iterable[Callable[[], object]] = (),
    ):
        self.app = app
        self.projections = list(projections)
        self.batch_size = batch_size
        self.after_catch_up = list(after_catch_up)

    def run_once(self) -> int:
        """Apply at most one batch to each projection; return how many events were applied."""
        # One look at the head and at every position: projections already there cost no
        # transaction (the projector runs this on every NOTIFY, for a dozen projections).
        head = self.app.recorder.max_notification_id() or 0
        positions = dict(ProjectionPosition.objects.values_list("name", "position"))
        return sum(
            self._advance(projection, head, has_position=projection.name in positions)
            for projection in self.projections
            if positions.get(projection.name, -1) < head
        )

    def catch_up(self) -> int:
        applied = total = self.run_once()
        while applied:
            applied = self.run_once()
            total += applied
        return total

    def run_forever(self, stop: threading.Event, database_url: str, poll_seconds: float = 1.0) -> None:
        """Catch up whenever the recorder NOTIFYs a new event (and at least every ``poll_seconds``).
        Losing the database (a restart, a failover) means waiting and listening again, not exiting."""
        while not stop.is_set():
            try:
                self._follow(stop, database_url, poll_seconds)
            except psycopg.OperationalError as exc:
                log.warning("projection_listener_lost", error=str(exc).strip())
                stop.wait(poll_seconds)

    def _follow(self, stop: threading.Event, database_url: str, poll_seconds: float) -> None:
        channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as listener:
            listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
            while not stop.is_set():
                try:
                    self.catch_up()
                    for step in self.after_catch_up:
                        step()
                except Exception:
                    # A batch that fails rolls back with its position; keep following (the
                    # lag shows in /health/ready) rather than die, and try again shortly.
                    log.exception("projection_failed")
                    close_old_connections()  # a connection the database dropped is opened anew
                    stop.wait(poll_seconds)
                for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                    pass

    def rebuild(self, projection: Projection, progress: Callable[[int, int], None] = lambda done, head: None) -> int:
        """Replay the whole log into ``projection`` in one transaction.

        Readers keep seeing the old rows (PostgreSQL's snapshot isolation) until the
        rebuilt ones commit, all at once; the position row stays locked meanwhile so a
        running projector waits instead of interleaving. Returns the events applied.
        """
        ProjectionPosition.objects.get_or_create(name=projection.name)
        applied = 0
        with transaction.atomic():
            tracking = ProjectionPosition.objects.select_for_update().get(name=projection.name)
            head = self.app.recorder.max_notification_id() or 0
            projection.reset()
            position = 0
            while position < head:
                notifications = self.app.recorder.select_notifications(
                    start=position + 1, limit=self.batch_size, stop=head, topics=projection.handled_topics()
                )
                for notification in notifications:
                    self._apply(projection, notification)
                applied += len(notifications)
                position = notifications[-1].id if len(notifications) == self.batch_size else head
                progress(position, head)
            tracking.position = head
            tracking.save(update_fields=["position", "updated_at"])
        return applied

    def status(self) -> list[dict[str, Any]]:
        """Each projection's position and lag, in events and in seconds."""
        head = self.app.recorder.max_notification_id() or 0
        positions = dict(ProjectionPosition.objects.values_list("name", "position"))
        rows = []
        for projection in self.projections:
            position = positions.get(projection.name, 0)
            rows.append(
                {"name": projection.name, "position": position, "head": head,
                 "lag_events": head - position, "lag_seconds": self._lag_seconds(position, head)}
            )
        return rows

    def _lag_seconds(self, position: int, head: int) -> float:
        if position >= head:
            return 0.0
        oldest_unread = self.app.recorder.select_notifications(start=position + 1, limit=1)[0]
        stored_at = self.app.mapper.to_domain_event(oldest_unread).timestamp
        return max(0.0, (datetime.now(timezone.utc) - stored_at).total_seconds())

    def _advance(self, projection: Projection, head: int, has_position: bool = False) -> int:
        if not has_position:
            ProjectionPosition.objects.get_or_create(name=projection.name)
        with transaction.atomic():
            tracking = ProjectionPosition.objects.select_for_update().get(name=projection.name)
            if tracking.position >= head:
                return 0
            notifications = self.app.recorder.select_notifications(
                start=tracking.position + 1,
                limit=self.batch_size,
                stop=head,
                topics=projection.handled_topics(),
            )
            for notification in notifications:
                self._apply(projection, notification)
            full_batch = len(notifications) == self.batch_size
            tracking.position = notifications[-1].id if full_batch else head
            tracking.save(update_fields=["position", "updated_at"])
        return len(notifications)

    def _apply(self, projection: Projection, notification: Notification) -> None:
        metadata = self.app.mapper.metadata_of(notification) if projection.needs_metadata else {}  # type: ignore[attr-defined]
        try:
            projection.handle(self.app.mapper.to_domain_event(notification), notification.id, metadata)
        except SubjectErased:
            # An event stored before its subject's erasure, read after the key went: nothing of
            # theirs may be sealed again, and their ErasureCompleted, later in the log, drops
            # whatever this event would have written. Skipped, so the projection never stalls.
            log.info("event_of_erased_subject_skipped", projection=projection.name, position=notification.id)
