"""When a listing expires, the applications still waiting to be sent to it are withdrawn, with
the reason, so nobody is applied to a job that is gone (the applier refuses one too, in case a
message is already in flight: appliers/submit.not_a_listing)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from jobraker.domain.application import NOT_YET_SENT, Actor
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
        application = jobraker.get_application(application_id)
        if application.status not in NOT_YET_SENT:
            continue  # moved on since the read model was written
        try:
            application.withdraw(Actor.SYSTEM, reason=reason)
            jobraker.save(application)
        except (DomainError, IntegrityError):  # withdrawn or started by someone else a moment ago
            continue
        withdrawn.append(application_id)
    return withdrawn
