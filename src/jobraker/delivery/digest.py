"""The daily digest of new matches: once a day per candidate, one notification summing up
the matches found since the last digest. Its id comes from ``digest:{candidate}:{date}``,
so a second scheduler, a restart or a re-run the same day sends nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count

from jobraker.delivery.alerts import short
from jobraker.delivery.erased import unless_erased
from jobraker.delivery.models import NotificationSettingsRecord
from jobraker.domain.notification import notification_id
from jobraker.domain.service import Jobraker
from jobraker.projections.models import ApplicationRecord, CandidateRecord, NotificationRecord

DIGEST_KIND = "daily_digest"
LOOKBACK = timedelta(days=7)  # a candidate's first digest, or one after a long pause, looks back this far
LISTS_AT_MOST = 5


def digest_cause(candidate_id: UUID, cutoff: datetime) -> str:
    return f"digest:{candidate_id}:{cutoff.date().isoformat()}"


def send_match_digests(jobraker: Jobraker, cutoff: datetime) -> int:
    """Send today's digests (``cutoff`` is today at the digest hour); returns how many were sent."""
    recent = (
        ApplicationRecord.objects.filter(source="matched", created_at__gte=cutoff - LOOKBACK, created_at__lt=cutoff)
        .values_list("candidate_id", flat=True).distinct()
    )
    candidates = set(CandidateRecord.objects.filter(id__in=list(recent), is_active=True).values_list("id", flat=True))
    candidates -= set(NotificationSettingsRecord.objects.filter(daily_digest=False).values_list("candidate_id", flat=True))
    already = set(
        NotificationRecord.objects.filter(id__in=[notification_id(digest_cause(c, cutoff)) for c in candidates])
        .values_list("candidate_id", flat=True)
    )
    return sum(
        bool(unless_erased("match digest", send_match_digest, jobraker, candidate_id, cutoff))
        for candidate_id in candidates - already
    )


def send_match_digest(jobraker: Jobraker, candidate_id: UUID, cutoff: datetime) -> int:
    """One candidate's digest of the matches since their last digest (none sent without matches)."""
    since = _last_digest_cutoff(candidate_id, cutoff)
    matches = ApplicationRecord.objects.filter(
        candidate_id=candidate_id, source="matched", created_at__gte=since, created_at__lt=cutoff
    )
    count = matches.count()
    if not count:
        return 0
    best = list(matches.exclude(score__isnull=True).order_by("-score", "id")[:LISTS_AT_MOST].values_list("job_id", "score"))
    jobs = {job_id: jobraker.get_job(job_id) for job_id, _ in best}  # the log: no projection lag
    listed = "; ".join(f"{short(jobs[job].title)} at {short(jobs[job].company)} ({score})" for job, score in best)
    statuses = dict(matches.values_list("status").annotate(n=Count("id")))
    queued = sum(statuses.get(s, 0) for s in ("queued", "submitting", "submitted"))
    message = (
        f"{count} new match{'es' if count != 1 else ''} since {since:%d %b %H:%M} UTC"
        f"{f', {queued} of them queued or sent for you' if queued else ''}. Best: {listed}."
    )
    return jobraker.send_notification(
        digest_cause(candidate_id, cutoff), candidate_id, DIGEST_KIND, message, link="/api/v1/candidates/me/matches"
    )


def _last_digest_cutoff(candidate_id: UUID, cutoff: datetime) -> datetime:
    """Where the previous digest's window ended: that day's digest moment."""
    last = (
        NotificationRecord.objects.filter(candidate_id=candidate_id, kind=DIGEST_KIND, created_at__lt=cutoff)
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )
    if last is None:
        return cutoff - timedelta(days=1)
    previous = last.replace(hour=cutoff.hour, minute=0, second=0, microsecond=0)
    return max(previous if previous <= last else previous - timedelta(days=1), cutoff - LOOKBACK)
