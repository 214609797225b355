"""E-mail a notification, exactly once per notification.

The ledger row (``EmailDelivery``, keyed by the notification id) is created if missing and
locked for the whole send: a second worker with the same message waits for the first, then
finds the row sent and does nothing. A failed send rolls the row back, so the message's retry
sends it. The one window left is a crash after the mail server accepted the message and
before the row commits; then the retry sends it a second time (at least once beats never).
"""

from __future__ import annotations

from uuid import UUID

import structlog
from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from jobraker.delivery.alerts import list_unsubscribe_headers
from jobraker.delivery.links import absolute
from jobraker.delivery.models import EmailDelivery
from jobraker.delivery.outbox import SUBJECT_HEADER
from jobraker.domain.errors import NotFound
from jobraker.domain.notification import Notification
from jobraker.domain.personal import ERASED
from jobraker.domain.service import Jobraker

log = structlog.get_logger(__name__)

SUBJECTS = {
    "application_status": "Your application has moved",
    "application_mail": "An employer wrote about your application",
    "daily_digest": "Your new matches",
    "job_alert": "A new job for your alert",
    "job_alert_digest": "New jobs for your alert",
    "follow_up": "Time to follow up on an application",
}
FOOTER = "You receive this because e-mail notifications are on. Turn them off with PATCH /api/v1/notifications/settings {\"email\": false}."


def deliver_notification(jobraker: Jobraker, notification_id: UUID) -> str:
    """Send the notification's e-mail unless it was sent (or skipped) already; returns the row's status."""
    notification: Notification = jobraker.repository.get(notification_id)
    with transaction.atomic():
        EmailDelivery.objects.bulk_create(
            [EmailDelivery(notification_id=notification_id, candidate_id=notification.candidate_id)], ignore_conflicts=True
        )
        row = EmailDelivery.objects.select_for_update().get(notification_id=notification_id)
        if row.status != EmailDelivery.PENDING:
            return row.status
        row.attempts += 1
        address, reason = _recipient(jobraker, notification)
        if address is None:
            row.status, row.reason = EmailDelivery.SKIPPED, reason
        else:
            _message(notification, address).send(fail_silently=False)  # raises: rolled back, retried
            row.status, row.sent_at = EmailDelivery.SENT, timezone.now()
        row.save()
    log.info("notification_email", notification_id=str(notification_id), status=row.status, reason=row.reason)
    return row.status


def _recipient(jobraker: Jobraker, notification: Notification) -> tuple[str | None, str]:
    """The address to write to, or why not to write at all."""
    if notification.message is ERASED:
        return None, "the candidate was erased"
    if not jobraker.get_notification_settings(notification.candidate_id).email:
        return None, "the candidate turned e-mail off"
    try:
        candidate = jobraker.get_candidate(notification.candidate_id)
    except NotFound:
        return None, "no such candidate"
    if candidate.is_erased or not candidate.is_active or not candidate.email:
        return None, "the candidate is not active"
    return str(candidate.email), ""


def _message(notification: Notification, address: str) -> EmailMessage:
    body = notification.message
    if notification.link:
        body += f"\n\n{absolute(notification.link)}"
    return EmailMessage(
        subject=f"Jobraker: {SUBJECTS.get(notification.kind, 'a notification')}",
        body=f"{body}\n\n--\n{FOOTER}\n",
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[address],
        # The subject header names the candidate by id: the outbox files mail by it, so erasure finds it.
        headers={
            "X-Jobraker-Notification": str(notification.id),
            SUBJECT_HEADER: str(notification.candidate_id),
            **list_unsubscribe_headers(notification),
        },
    )
