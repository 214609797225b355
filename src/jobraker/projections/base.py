"""Projections and the runner that feeds them from the event log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import singledispatchmethod
from typing import Any, ClassVar

import psycopg
import structlog
from django.db import connection, transaction
from django.db.models import Count
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from jobraker.domain.service import Jobraker
from jobraker.privacy.keyring import SubjectErased
from jobraker.projections.failures import ErrorShape, EventFailed, is_infrastructure, open_parked, park, retry_delay
from jobraker.projections.models import ProjectionPosition

log = structlog.get_logger(__name__)

REBUILD_BATCH = 2_000  # events read and written together by a rebuild (one transaction in all)


class Projection:
    """Turns events into rows.

    A subclass defines ``process`` as a ``singledispatchmethod`` and registers one
    handler per event class it cares about; the runner reads only those topics.
    """

    name: ClassVar[str]
    lane: ClassVar[str | None] = None  # share a thread with these projections (projections/lanes.py); None: its own
    needs_metadata: ClassVar[bool] = False  # the relay passes correlation ids on to messages

    def process(self, event: Any, position: int) -> None:
        raise NotImplementedError

    def handle(self, event: Any, position: int, metadata: dict[str, Any]) -> None:
        self.process(event, position)

    def reset(self) -> None:
        """Delete every row this projection wrote (the first step of a rebuild)."""
        raise NotImplementedError

    def apply_batch(self, events: list[tuple[Any, int, dict[str, Any]]]) -> None:
        """Apply (event, position, metadata) in order: what a rebuild does per batch. One at a
        time by default; a projection with many rows overrides it to write each batch's rows in
        a few statements (jobs, applications, timeline)."""
        for event, position, metadata in events:
            try:
                self.handle(event, position, metadata)
            except SubjectErased:
                log.info("event_of_erased_subject_skipped", projection=self.name, position=position)

    def handled_topics(self) -> list[str]:
        dispatcher = next(
            klass.__dict__["process"].dispatcher
            for klass in type(self).__mro__
            if isinstance(klass.__dict__.get("process"), singledispatchmethod)
        )
        return [get_topic(cls) for cls in dispatcher.registry if cls is not object]


class ProjectionRunner:
    """Feeds projections from the log in batches, each batch one transaction with its position.

    Each projection advances on its own: one that fails on an event rolls back only its own
    batch, keeps what came before that event, and tries the event again after a doubling
    delay; after ``max_attempts`` failures it parks the event (``ParkedEvent``) and moves past
    it. The others never wait for it: following the log, each runs in its own thread (a lane),
    so neither a failing nor a slow projection holds them.
    """

    def __init__(
        self, app: Jobraker, projections: Iterable[Projection], batch_size: int = 500,
        after_catch_up: Iterable[Callable[[], object]] = (),
        max_attempts: int | None = None, retry_seconds: float | None = None,
    ):
        from jobraker.config import get_settings

        settings = get_settings()
        self.app = app
        self.projections = list(projections)
        self.batch_size = batch_size
        self.after_catch_up = list(after_catch_up)
        self.max_attempts = max_attempts or settings.projection_max_attempts
        self.retry_seconds = settings.projection_retry_seconds if retry_seconds is None else retry_seconds
        self._retry_due = False  # a failed projection may try again at once (no delay configured)
        self._retry_waiting = False  # a failed projection waits for its retry time
        self._head_seen = 0
        # The head this runner last caught up to with nothing left to retry: until the log
        # moves past it, looking again finds no work (None: look).
        self.idle_at: int | None = None

    def run_once(self) -> int:
        """Apply at most one batch to each projection; return how many events were applied or parked."""
        # One look at the head and at every position: projections already there cost no
        # transaction (the projector runs this on every NOTIFY, for a dozen projections).
        head = self._head_seen = self.app.recorder.max_notification_id() or 0
        tracked = _positions([p.name for p in self.projections])
        now = datetime.now(UTC)
        self._retry_due = self._retry_waiting = False
        applied = 0
        for projection in self.projections:
            position, retry_at = tracked.get(projection.name, (-1, None))
            if position < head and (retry_at is None or retry_at <= now):
                applied += self._advance_alone(projection, head, has_position=projection.name in tracked)
            elif position < head:
                self._retry_waiting = True
        return applied

    def catch_up(self) -> int:
        self.idle_at = None
        applied = total = self.run_once()
        while applied or self._retry_due:
            applied = self.run_once()
            total += applied
        for step in self.after_catch_up:
            step()
        # A runner of hooks alone is never idle: a hook may find work that no new event announces.
        if self.projections and not self._retry_waiting:
            self.idle_at = self._head_seen
        return total

    def run_forever(self, stop: threading.Event, database_url: str, poll_seconds: float = 1.0) -> None:
        """Follow the log until ``stop``: each lane (projections/lanes.py) in its own thread, so a
        slow projection never holds the others; one LISTEN connection wakes them all whenever the
        recorder NOTIFYs a new event, and every ``poll_seconds`` looks at the head for the lanes
        that could have work anyway (lanes/``Lane.due``).
        Losing the database (a restart, a failover) means waiting and listening again, not exiting."""
        from jobraker.projections.lanes import Lane, lanes_of

        lanes = [Lane(self._sub_runner(group), name, stop, poll_seconds) for name, group in lanes_of(self.projections)]
        if self.after_catch_up:  # the hooks (the hash chain) are a lane of their own too
            lanes.append(Lane(ProjectionRunner(self.app, [], after_catch_up=self.after_catch_up), "hooks", stop, poll_seconds))
        for lane in lanes:
            lane.start()
        try:
            while not stop.is_set():
                try:
                    self._listen(stop, database_url, poll_seconds, lanes)
                except psycopg.OperationalError as exc:
                    log.warning("projection_listener_lost", error=str(exc).strip())
                    stop.wait(poll_seconds)
        finally:
            for lane in lanes:
                lane.wake()
            for lane in lanes:
                lane.join()

    def _sub_runner(self, projections: list[Projection]) -> ProjectionRunner:
        return ProjectionRunner(self.app, projections, batch_size=self.batch_size, max_attempts=self.max_attempts,
                                retry_seconds=self.retry_seconds)

    def _listen(self, stop: threading.Event, database_url: str, poll_seconds: float, lanes: list[Any]) -> None:
        channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as listener:
            listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
            notified = True  # (also after a reconnect: events may have come meanwhile)
            while not stop.is_set():
                # A NOTIFY wakes every lane; a quiet poll costs one look at the head, and wakes
                # only the lanes that could find work (each lane's own look costs two queries).
                head = None if notified else self._head_or_none()
                for lane in lanes:
                    if head is None or lane.due(head):
                        lane.wake()
                notified = any(True for _ in listener.notifies(timeout=poll_seconds, stop_after=1))

    def _head_or_none(self) -> int | None:
        """The log's head, for a quiet poll; None (wake every lane) when the look fails. The
        recorder raises its own errors, not psycopg's: one escaping here would end the listener,
        leaving the lanes to look only every 30 s."""
        try:
            return self.app.recorder.max_notification_id() or 0
        except Exception as exc:
            log.warning("projection_head_look_failed", error=type(exc).__name__)
            return None

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
            topics = projection.handled_topics()
            while position < head:
                notifications = self.app.recorder.select_notifications(
                    start=position + 1, limit=REBUILD_BATCH, stop=head, topics=topics
                )
                projection.apply_batch([decoded for n in notifications if (decoded := self._decoded(projection, n))])
                applied += len(notifications)
                position = notifications[-1].id if len(notifications) == REBUILD_BATCH else head
                progress(position, head)
            tracking.position = head
            # The replay applied every event, parked ones included: nothing is failing or parked now.
            tracking.save(update_fields=["position", "updated_at", *tracking.forget_failure()])
            open_parked([projection.name]).update(resolved_at=datetime.now(UTC))
        return applied

    def retry_parked(self, projection: Projection) -> tuple[int, int]:
        """Apply ``projection``'s parked events again (after a fix), oldest first, each in its own
        transaction; returns how many now applied and how many are still parked."""
        resolved = still_parked = 0
        for parked in open_parked([projection.name]).order_by("notification_id"):
            notification = self.app.recorder.select_notifications(
                start=parked.notification_id, limit=1, stop=parked.notification_id
            )[0]
            try:
                with transaction.atomic():
                    ProjectionPosition.objects.select_for_update().get(name=projection.name)  # one writer at a time
                    self._apply_tracked(projection, notification)
                    parked.resolved_at = datetime.now(UTC)
                    parked.save(update_fields=["resolved_at"])
                resolved += 1
            except EventFailed as failed:
                still_parked += 1
                self._note_retry_failure(parked, failed)
        return resolved, still_parked

    def status(self) -> list[dict[str, Any]]:
        """Each projection's position and lag (in events and in seconds), whether it is failing
        on an event now, and how many of its events are parked."""
        head = self.app.recorder.max_notification_id() or 0
        names = [p.name for p in self.projections]
        tracked = {row.name: row for row in ProjectionPosition.objects.filter(name__in=names)}
        parked = dict(
            open_parked(names).values_list("projection").annotate(n=Count("id")).order_by()
        )
        lag_seconds: dict[int, float] = {}  # projections at the same position share one look at the log
        rows = []
        for name in names:
            row = tracked.get(name) or ProjectionPosition(name=name)
            if row.position not in lag_seconds:
                lag_seconds[row.position] = self._lag_seconds(row.position, head)
            rows.append(
                {"name": name, "position": row.position, "head": head,
                 "lag_events": head - row.position, "lag_seconds": lag_seconds[row.position],
                 "failing_at": row.failing_notification_id, "attempts": row.failed_attempts,
                 "last_error": row.last_error, "retry_at": row.retry_at and row.retry_at.isoformat(timespec="seconds"),
                 "parked": parked.get(name, 0)}
            )
        return rows

    def _lag_seconds(self, position: int, head: int) -> float:
        if position >= head:
            return 0.0
        oldest_unread = self.app.recorder.select_notifications(start=position + 1, limit=1)[0]
        stored_at = self.app.mapper.to_domain_event(oldest_unread).timestamp
        return max(0.0, (datetime.now(UTC) - stored_at).total_seconds())

    def _advance_alone(self, projection: Projection, head: int, has_position: bool) -> int:
        """Advance one projection; its failure is recorded, never raised to the other projections."""
        try:
            return self._advance(projection, head, has_position)
        except EventFailed as failed:
            _reopen_if_broken()
            salvaged = 0
            try:  # keep what the rolled-back batch applied before the failing event
                salvaged = self._advance(projection, failed.notification.id - 1, has_position=True)
            except EventFailed as earlier:  # a handler that fails only sometimes: count that event
                _reopen_if_broken()
                failed = earlier
            counts = not is_infrastructure(failed.__cause__)
            return salvaged + self._note_failure(projection, failed, counts)

    def _advance(self, projection: Projection, head: int, has_position: bool = False) -> int:
        if not has_position:
            ProjectionPosition.objects.get_or_create(name=projection.name)
        with transaction.atomic():
            position, failing_at = _locked_position(projection.name)
            if position >= head:
                return 0
            notifications = self.app.recorder.select_notifications(
                start=position + 1,
                limit=self.batch_size,
                stop=head,
                topics=projection.handled_topics(),
            )
            for notification in notifications:
                self._apply_tracked(projection, notification)
            full_batch = len(notifications) == self.batch_size
            position = notifications[-1].id if full_batch else head
            if failing_at is not None and position >= failing_at:
                tracking = ProjectionPosition.objects.get(name=projection.name)
                tracking.position = position
                tracking.save(update_fields=["position", "updated_at", *tracking.forget_failure()])
                log.info("projection_recovered", projection=projection.name, notification_id=failing_at)
            else:
                _move_position(projection.name, position)
        return len(notifications)

    def _note_failure(self, projection: Projection, failed: EventFailed, counts: bool) -> int:
        """Record a failure on ``failed.notification``: schedule the next try, or park the event
        and move past it once it has failed ``max_attempts`` times. Returns 1 if it parked."""
        notification, error = failed.notification, ErrorShape.of(failed.__cause__ or failed)
        now = datetime.now(UTC)
        with transaction.atomic():
            tracking = ProjectionPosition.objects.select_for_update().get(name=projection.name)
            if tracking.position >= notification.id:
                return 0  # a rebuild went past it meanwhile
            earlier = tracking.failed_attempts if tracking.failing_notification_id == notification.id else 0
            attempts = earlier + int(counts)
            fields = ["updated_at"]
            if counts and attempts >= self.max_attempts:
                park(projection.name, notification, error, attempts, now)
                tracking.position = notification.id
                fields += ["position", *tracking.forget_failure()]
                log.error("projection_event_parked", projection=projection.name, notification_id=notification.id,
                          topic=notification.topic, attempts=attempts, error=str(error))
            else:
                delay = retry_delay(max(attempts, 1), self.retry_seconds)
                tracking.failing_notification_id, tracking.failed_attempts = notification.id, attempts
                tracking.last_error, tracking.retry_at = str(error), now + delay
                fields += ["failing_notification_id", "failed_attempts", "last_error", "retry_at"]
                self._retry_due = self._retry_due or (counts and not delay)
                self._retry_waiting = True
                log.warning("projection_event_failed", projection=projection.name, notification_id=notification.id,
                            topic=notification.topic, attempt=attempts, max_attempts=self.max_attempts,
                            retry_in_seconds=delay.total_seconds(), error=str(error))
            tracking.save(update_fields=fields)
        return int(tracking.position == notification.id)

    def _note_retry_failure(self, parked: Any, failed: EventFailed) -> None:
        _reopen_if_broken()
        if is_infrastructure(failed.__cause__):
            raise failed.__cause__  # type: ignore[misc]
        error = ErrorShape.of(failed.__cause__ or failed)
        parked.error_class, parked.error_message = error.error_class[:200], error.message[:500]
        parked.attempts += 1
        parked.save(update_fields=["error_class", "error_message", "attempts"])
        log.warning("projection_parked_retry_failed", projection=parked.projection,
                    notification_id=parked.notification_id, error=str(error))

    def _apply_tracked(self, projection: Projection, notification: Notification) -> None:
        """Apply one event; a failure says which event it was."""
        try:
            self._apply(projection, notification)
        except Exception as exc:
            raise EventFailed(notification) from exc

    def _apply(self, projection: Projection, notification: Notification) -> None:
        decoded = self._decoded(projection, notification)
        try:
            if decoded is not None:
                projection.handle(*decoded)
        except SubjectErased:
            # An event stored before its subject's erasure, read after the key went: nothing of
            # theirs may be sealed again, and their ErasureCompleted, later in the log, drops
            # whatever this event would have written. Skipped, so the projection never stalls.
            log.info("event_of_erased_subject_skipped", projection=projection.name, position=notification.id)

    def _decoded(self, projection: Projection, notification: Notification) -> tuple[Any, int, dict[str, Any]] | None:
        metadata = self.app.mapper.metadata_of(notification) if projection.needs_metadata else {}  # type: ignore[attr-defined]
        try:
            return self.app.mapper.to_domain_event(notification), notification.id, metadata
        except SubjectErased:  # (as in _apply)
            log.info("event_of_erased_subject_skipped", projection=projection.name, position=notification.id)
            return None


def _reopen_if_broken() -> None:
    """After a failure, drop a connection the database broke so the next query opens a new one
    (never inside a caller's transaction, which only the caller may end)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


# The position bookkeeping every lane does for every new event, written out: through the ORM it
# cost more than applying the events (a quarter of the live projector's time in the tests).
POSITIONS = ProjectionPosition._meta.db_table


def _positions(names: list[str]) -> dict[str, tuple[int, datetime | None]]:
    """name → (position, retry_at) of the projections that have a row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, position, retry_at FROM {POSITIONS} WHERE name = ANY(%s)", [names])
        return {name: (position, retry_at) for name, position, retry_at in cursor.fetchall()}


def _locked_position(name: str) -> tuple[int, int | None]:
    """(position, failing notification id), the row locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT position, failing_notification_id FROM {POSITIONS} WHERE name = %s FOR UPDATE", [name])
        position, failing_at = cursor.fetchone()
        return position, failing_at


def _move_position(name: str, position: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {POSITIONS} SET position = %s, updated_at = now() WHERE name = %s", [position, name])
