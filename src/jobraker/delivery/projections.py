"""Read models of the delivery app: each candidate's notification settings and their job
alerts (notifications themselves are projections/notifications.py's). Each drops a
candidate's rows when the candidate is erased."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.delivery.models import JobAlertRecord, NotificationSettingsRecord
from jobraker.domain.alert import JobAlert
from jobraker.domain.candidate import Candidate
from jobraker.domain.notification_settings import NotificationSettings
from jobraker.domain.personal import ERASED
from jobraker.privacy.sealed_fields import for_subject
from jobraker.projections.base import Projection


class NotificationSettingsProjection(Projection):
    name = "notification_settings"

    def reset(self) -> None:
        NotificationSettingsRecord.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _created(self, event: NotificationSettings.Created, position: int) -> None:
        NotificationSettingsRecord.objects.update_or_create(
            candidate_id=event.candidate_id, defaults={"version": event.originator_version}
        )

    @process.register
    def _changed(self, event: NotificationSettings.Changed, position: int) -> None:
        NotificationSettingsRecord.objects.update_or_create(
            candidate_id=event.candidate_id,
            defaults={
                "email": event.email, "daily_digest": event.daily_digest,
                "follow_up_reminders": event.follow_up_reminders, "version": event.originator_version,
            },
        )

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        NotificationSettingsRecord.objects.filter(candidate_id=event.originator_id).delete()


class JobAlertProjection(Projection):
    name = "job_alerts"

    def reset(self) -> None:
        JobAlertRecord.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _created(self, event: JobAlert.Created, position: int) -> None:
        if event.criteria is ERASED:
            return
        JobAlertRecord.objects.update_or_create(
            id=event.originator_id,
            defaults={
                "candidate_id": event.candidate_id, "name": event.name, "criteria": event.criteria,
                "frequency": event.frequency, "is_subscribed": True, "created_at": event.timestamp,
                "updated_at": event.timestamp, "version": event.originator_version,
            },
        )

    @process.register
    def _changed(self, event: JobAlert.Changed, position: int) -> None:
        if event.criteria is ERASED:
            return
        JobAlertRecord.objects.filter(id=event.originator_id).update(
            name=for_subject(event.candidate_id, event.name), criteria=for_subject(event.candidate_id, event.criteria), frequency=event.frequency,
            updated_at=event.timestamp, version=event.originator_version,
        )

    @process.register
    def _unsubscribed(self, event: JobAlert.Unsubscribed, position: int) -> None:
        JobAlertRecord.objects.filter(id=event.originator_id).update(
            is_subscribed=False, updated_at=event.timestamp, version=event.originator_version
        )

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        JobAlertRecord.objects.filter(candidate_id=event.originator_id).delete()


def delivery_projections() -> list[Projection]:
    return [NotificationSettingsProjection(), JobAlertProjection()]
