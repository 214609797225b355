"""Notifications as the candidate lists them and the live stream sends them (one read model)."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.domain.candidate import Candidate
from jobraker.domain.notification import Notification
from jobraker.domain.personal import ERASED
from jobraker.projections.base import Projection
from jobraker.projections.models import NotificationRecord


class NotificationProjection(Projection):
    name = "notifications"

    def reset(self) -> None:
        NotificationRecord.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _sent(self, event: Notification.Sent, position: int) -> None:
        if event.message is ERASED:
            return
        NotificationRecord.objects.update_or_create(
            id=event.originator_id,
            defaults={
                "position": position, "candidate_id": event.candidate_id, "kind": event.kind, "message": event.message,
                "link": event.link, "created_at": event.timestamp, "version": event.originator_version,
            },
        )

    @process.register
    def _read(self, event: Notification.Read, position: int) -> None:
        NotificationRecord.objects.filter(id=event.originator_id).update(read_at=event.timestamp, version=event.originator_version)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        NotificationRecord.objects.filter(candidate_id=event.originator_id).delete()
