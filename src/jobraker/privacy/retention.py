"""Retention, run by the scheduler: candidates who have not logged in for
JOBRAKER_RETENTION_INACTIVE_DAYS are erased; listings older than JOBRAKER_RETENTION_JOB_DAYS
(by their posting date) are expired: their history stays; they leave search and matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from django.db.models.functions import Coalesce

from jobraker.accounts.models import Account, Role
from jobraker.eventstore.app import EncryptedJobraker
from jobraker.privacy.erasure import erase_candidate
from jobraker.projections.models import JobRecord

log = structlog.get_logger(__name__)


@dataclass
class RetentionReport:
    erased: list[UUID] = field(default_factory=list)
    expired_jobs: int = 0


def apply_retention(jobraker: EncryptedJobraker, now: datetime, inactive_days: int, job_days: int) -> RetentionReport:
    report = RetentionReport()
    cutoff = now - timedelta(days=inactive_days)
    stale = Account.objects.filter(role=Role.CANDIDATE).annotate(seen=Coalesce("last_login", "created_at")).filter(seen__lt=cutoff)
    for candidate_id in stale.values_list("id", flat=True):
        erase_candidate(jobraker, candidate_id, by="retention")
        report.erased.append(candidate_id)
    old = JobRecord.objects.filter(is_expired=False, posted_at__lt=now - timedelta(days=job_days))
    for job_id in old.values_list("id", flat=True):
        jobraker.expire_job(job_id, reason=f"posted more than {job_days} days ago")
        report.expired_jobs += 1
    log.info("retention_applied", erased=len(report.erased), expired_jobs=report.expired_jobs)
    return report
