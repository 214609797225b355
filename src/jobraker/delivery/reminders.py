"""Follow-up reminders: an application submitted some days ago (``JOBRAKER_FOLLOW_UP_DAYS``)
that is still only "submitted" (no interview, offer or rejection since) gets one reminder.
The reminder is a notification whose id comes from ``follow-up:{application}``: that event
is the record that it was sent, and the reason it is never sent twice, whichever scheduler
runs and however often it restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from jobraker.delivery.alerts import short
from jobraker.delivery.erased import unless_erased
from jobraker.delivery.models import NotificationSettingsRecord
from jobraker.domain.notification import notification_id
from jobraker.domain.service import Jobraker
from jobraker.projections.models import (
    ApplicationRecord,
    CandidateRecord,
    JobRecord,
    NotificationRecord,
)

REMINDER_KIND = "follow_up"
BATCH = 500


def reminder_cause(application_id: UUID) -> str:
    return f"follow-up:{application_id}"


def send_follow_up_reminders(jobraker: Jobraker, now: datetime, days: int) -> int:
    """Remind about every application waiting ``days`` or more; returns how many were sent now."""
    due = ApplicationRecord.objects.filter(
        status="submitted", submitted_at__lte=now - timedelta(days=days),
        candidate_id__in=CandidateRecord.objects.filter(is_active=True).values("id"),
    )
    opted_out = NotificationSettingsRecord.objects.filter(follow_up_reminders=False).values_list("candidate_id", flat=True)
    due = due.exclude(candidate_id__in=opted_out).order_by("submitted_at", "id").values_list("id", "candidate_id", "job_id", "submitted_at")
    sent = 0
    for start in range(0, due.count(), BATCH):
        batch = list(due[start : start + BATCH])
        reminded = _already_reminded([application_id for application_id, *_ in batch])
        for application_id, candidate_id, job_id, submitted_at in batch:
            if application_id not in reminded:
                sent += bool(unless_erased(
                    "reminder", _remind, jobraker, application_id, candidate_id, job_id, submitted_at, days
                ))
    return sent


def _already_reminded(application_ids: list[UUID]) -> set[UUID]:
    """Applications whose reminder the read models already show (the event store has the last word)."""
    ids = {notification_id(reminder_cause(a)): a for a in application_ids}
    shown = set(NotificationRecord.objects.filter(id__in=ids).values_list("id", flat=True))
    return {ids[n] for n in shown}


def _remind(jobraker: Jobraker, application_id: UUID, candidate_id: UUID, job_id: UUID, submitted_at: datetime, days: int) -> int:
    job = JobRecord.with_tracked.filter(id=job_id).values_list("title", "company").first()  # their own application's job
    what = f"{short(job[0])} at {short(job[1])}" if job else "a job"
    message = (
        f"No response yet to your application for {what}, sent on {submitted_at:%d %b %Y} "
        f"({days}+ days ago). A short follow-up to the employer often helps."
    )
    return jobraker.send_notification(
        reminder_cause(application_id), candidate_id, REMINDER_KIND, message, link=f"/api/v1/applications/{application_id}"
    )
