"""Job alerts at work: a new job is checked against every subscribed alert; an immediate
alert notifies at once, a daily one collects hits for its digest. Both are exactly once:
a hit is a unique (alert, job) row, and every notification's id comes from its cause.

Every alert message carries an unsubscribe link (a signed token that expires) and, e-mailed,
the List-Unsubscribe headers for one-click unsubscribing (RFC 8058)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core import signing
from django.db.models import Count

from jobraker.delivery.erased import unless_erased
from jobraker.delivery.links import absolute
from jobraker.delivery.models import AlertHit, JobAlertRecord
from jobraker.domain.alert import AlertCriteria
from jobraker.domain.job import Job
from jobraker.domain.notification import Notification, notification_id
from jobraker.domain.service import Jobraker

UNSUBSCRIBE_SALT = "jobraker.alert-unsubscribe"
# A link works this long after it was made: long enough for any e-mail that is read at all,
# short enough that an old leaked message does not switch alerts off forever after.
UNSUBSCRIBE_LINK_VALID_FOR = timedelta(days=90)
ONE_CLICK = "List-Unsubscribe=One-Click"  # the body of an RFC 8058 one-click POST
DIGEST_LISTS_AT_MOST = 5


def unsubscribe_token(alert_id: UUID) -> str:
    """A token that unsubscribes one alert without logging in: signed with the secret key,
    with its creation time inside the signature (``signing.dumps`` is a TimestampSigner)."""
    return signing.dumps(str(alert_id), salt=UNSUBSCRIBE_SALT, compress=True)


def alert_from_token(token: str) -> UUID:
    """The alert a token names; raises ``signing.SignatureExpired`` once the token is older than
    UNSUBSCRIBE_LINK_VALID_FOR, and ``signing.BadSignature`` (its base) for a forged or damaged one."""
    return UUID(signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_LINK_VALID_FOR))


def unsubscribe_link(alert_id: UUID) -> str:
    return absolute(f"/api/v1/alerts/unsubscribe/{unsubscribe_token(alert_id)}")


def hit_cause(alert_id: UUID, job_id: UUID) -> str:
    return f"alert:{alert_id}:{job_id}"


def list_unsubscribe_headers(notification: Notification) -> dict[str, str]:
    """For an alert's e-mail: where a mail client unsubscribes it with one POST (RFC 8058)."""
    alert_id = alert_of(notification)
    if alert_id is None:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_link(alert_id)}>", "List-Unsubscribe-Post": ONE_CLICK}


_ALERT_LINK = re.compile(r"^/api/v1/alerts/([0-9a-f-]{36})$")
_JOB_LINK = re.compile(r"^/api/v1/jobs/([0-9a-f-]{36})$")


def alert_of(notification: Notification) -> UUID | None:
    """The alert an alert notification is about: a digest links to its alert; an immediate one
    links to the job, and its id (from its cause) tells which of the candidate's hits sent it."""
    if notification.kind == "job_alert_digest" and (found := _ALERT_LINK.match(notification.link)):
        return UUID(found.group(1))
    if notification.kind == "job_alert" and (found := _JOB_LINK.match(notification.link)):
        job_id = UUID(found.group(1))
        hits = AlertHit.objects.filter(job_id=job_id, candidate_id=notification.candidate_id)
        for alert_id in hits.values_list("alert_id", flat=True):
            if notification_id(hit_cause(alert_id, job_id)) == notification.id:
                return alert_id
    return None


def alert_on_new_job(jobraker: Jobraker, job_id: UUID) -> list[UUID]:
    """Record a hit for every subscribed alert the job matches; notify immediate alerts now.
    Returns the alerts that matched."""
    job: Job = jobraker.get_job(job_id)
    if job.is_expired or job.is_tracked:  # a candidate's tracked job is never a listing
        return []
    listing = {name: getattr(job, name) for name in ("title", "company", "description", "location", "salary_min", "salary_max", "remote")}
    matched = []
    for alert in JobAlertRecord.objects.filter(is_subscribed=True).iterator():
        # Criteria are sealed under the candidate's key: None once it is destroyed (the
        # erasure's own event drops the row right after).
        if alert.criteria is None or not AlertCriteria.from_dict(alert.criteria).matches(listing):
            continue
        matched.append(alert.id)
        AlertHit.objects.bulk_create(
            [AlertHit(alert_id=alert.id, job_id=job_id, candidate_id=alert.candidate_id)], ignore_conflicts=True
        )
        if alert.frequency == "immediate":
            _notify_hit(jobraker, alert, job, job_id)
    return matched


def _notify_hit(jobraker: Jobraker, alert: JobAlertRecord, job: Job, job_id: UUID) -> int:
    message = (
        f'New job for your alert "{alert.name}": {short(job.title)} at {short(job.company)}'
        f"{f' ({short(job.location)})' if job.location else ''}.\nUnsubscribe: {unsubscribe_link(alert.id)}"
    )
    return unless_erased("job alert", jobraker.send_notification, hit_cause(alert.id, job_id), alert.candidate_id,
                         "job_alert", message, f"/api/v1/jobs/{job_id}")


def send_alert_digests(jobraker: Jobraker, cutoff: datetime) -> int:
    """One digest per daily alert and day, for the hits found before ``cutoff`` (today at the
    digest hour). Re-running the same day selects the same hits and finds the digest sent."""
    day = cutoff.date()
    pending = (
        AlertHit.objects.filter(digested_on__isnull=True, matched_at__lt=cutoff)
        .values("alert_id").annotate(hits=Count("id"))
    )
    sent = 0
    for row in pending:
        alert = JobAlertRecord.objects.filter(id=row["alert_id"]).first()
        hits = AlertHit.objects.filter(alert_id=row["alert_id"], digested_on__isnull=True, matched_at__lt=cutoff)
        if alert is not None and alert.is_subscribed and alert.frequency == "daily":
            job_ids = list(hits.order_by("matched_at", "id").values_list("job_id", flat=True))
            sent += bool(unless_erased("alert digest", _send_alert_digest, jobraker, alert, job_ids, day))
        hits.update(digested_on=day)  # after the send: a crash before this re-sends nothing (same id)
    return sent


def _send_alert_digest(jobraker: Jobraker, alert: JobAlertRecord, job_ids: list[UUID], day: date) -> int:
    jobs = [jobraker.get_job(job_id) for job_id in job_ids[:DIGEST_LISTS_AT_MOST]]  # the log: no projection lag
    listed = "; ".join(f"{short(j.title)} at {short(j.company)}" for j in jobs)
    more = len(job_ids) - len(jobs)
    message = (
        f'{len(job_ids)} new job{"s" if len(job_ids) != 1 else ""} for your alert "{alert.name}": {listed}'
        f"{f' and {more} more' if more > 0 else ''}.\nUnsubscribe: {unsubscribe_link(alert.id)}"
    )
    return jobraker.send_notification(
        f"alert-digest:{alert.id}:{day.isoformat()}", alert.candidate_id, "job_alert_digest", message,
        link=f"/api/v1/alerts/{alert.id}",
    )


def short(text: str, limit: int = 50) -> str:
    """Listings' texts kept short enough that a notification stays within its 1,000 characters."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def digest_cutoff(now: datetime, hour: int) -> datetime | None:
    """Today's digest moment, once it has passed (None before it)."""
    cutoff = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return cutoff if now >= cutoff else None
