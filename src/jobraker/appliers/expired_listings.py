"""When a listing expires, the applications still waiting to be sent to it are withdrawn, with
the reason, so nobody is applied to a job that is gone (the applier refuses one too, in case a
message is already in flight: appliers/submit.not_a_listing)."""

from __future__ import annotations

from uuid import UUID

from jobraker.domain.application import NOT_YET_SENT
from jobraker.domain.errors import DomainError
from jobraker.domain.service import Jobraker


def withdraw_for_expired_listing(jobraker: Jobraker, job_id: UUID) -> list[UUID]:
    """Withdraw every waiting application for the expired listing; returns their ids."""
    from jobraker.projections.models import ApplicationRecord

    job = jobraker.get_job(job_id)
    if not job.is_expired:
        return []
    reason = f"The listing expired{': ' + job.expired_because if job.expired_because else ''}"
    withdrawn = []
    waiting = ApplicationRecord.objects.filter(job_id=job_id, status__in=[s.value for s in NOT_YET_SENT])
    for application_id in waiting.values_list("id", flat=True):
        try:
            if jobraker.withdraw_unsent(application_id, reason):  # 0: moved on since the read model was written
                withdrawn.append(application_id)
        except DomainError:  # lost the race to another writer three times: the next expiry pass sees it
            continue
    return withdrawn
