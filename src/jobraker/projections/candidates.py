"""Candidates' read rows and their login accounts."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.accounts.models import Account, Role
from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.projections.base import Projection
from jobraker.projections.models import CandidateRecord


class CandidateProjection(Projection):
    name = "candidates"

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _registered(self, event: Candidate.Registered, position: int) -> None:
        if event.email is ERASED:  # replaying the history of an erased candidate
            return
        CandidateRecord.objects.update_or_create(
            id=event.originator_id,
            defaults={
                "email": event.email,
                "name": event.name,
                "registered_at": event.timestamp,
                "version": event.originator_version,
                "position": position,
            },
        )
        Account.objects.update_or_create(
            id=event.originator_id,
            defaults={"email": event.email, "password": event.password_hash, "role": Role.CANDIDATE},
        )

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        CandidateRecord.objects.filter(id=event.originator_id).delete()
        Account.objects.filter(id=event.originator_id).delete()


def all_projections() -> list[Projection]:
    return [CandidateProjection()]
