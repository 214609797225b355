"""Candidates' read rows and their login accounts."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from jobraker.accounts.models import Account, Role
from jobraker.domain.automation import LEVEL_NAMES
from jobraker.domain.candidate import AutoApplySettings, Candidate
from jobraker.domain.personal import ERASED
from jobraker.privacy.blind_index import email_index
from jobraker.privacy.sealed_fields import for_subject
from jobraker.projections.base import Projection
from jobraker.projections.models import CandidateRecord

# Columns sealed under the candidate's key: an update() names the key (privacy/sealed_fields.py).
SEALED_COLUMNS = {"profile", "preferences", "consents", "resume"}


class CandidateProjection(Projection):
    name = "candidates"

    def reset(self) -> None:
        # Login accounts are upserted by the replay (deleting them would also drop their
        # token blacklist entries); erased candidates' accounts go with their erasure event.
        CandidateRecord.objects.all().delete()

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
                "address_verified": event.address_verified,
                "version": event.originator_version,
                "position": position,
            },
        )
        # The address was reserved with the event (accounts/reservations.py): no other account has this index.
        Account.objects.update_or_create(
            id=event.originator_id,
            defaults={"email_index": email_index(event.email), "password": event.password_hash, "role": Role.CANDIDATE},
        )

    @process.register
    def _address_verified(self, event: Candidate.AddressVerified, position: int) -> None:
        self._update(event, position, address_verified=True)

    @process.register
    def _profile(self, event: Candidate.ProfileChanged, position: int) -> None:
        self._update(event, position, profile=event.profile)

    @process.register
    def _preferences(self, event: Candidate.PreferencesChanged, position: int) -> None:
        self._update(event, position, preferences=event.preferences)

    @process.register
    def _consent_given(self, event: Candidate.ConsentGiven, position: int) -> None:
        if event.version is ERASED:
            return
        self._change_consents(event, position, {"version": event.version, "given": True, "at": event.timestamp.isoformat()})

    @process.register
    def _consent_withdrawn(self, event: Candidate.ConsentWithdrawn, position: int) -> None:
        self._change_consents(event, position, {"given": False, "at": event.timestamp.isoformat()})

    @process.register
    def _auto_apply(self, event: Candidate.AutoApplySettingsChanged, position: int) -> None:
        settings = AutoApplySettings(
            event.mode, event.strategy, event.min_score_override, event.daily_cap_override, event.strict_filters_override,
            event.company_limit_override,
        )
        overrides = {name: getattr(settings, f"{name}_override") for name in LEVEL_NAMES}
        # "enabled", "min_score" and "daily_cap" keep the older on/off form's meaning (effective values).
        effective = {k: v for k, v in settings.effective().items() if k != "overridden"}
        row = {**effective, "enabled": settings.enabled, "overrides": overrides}
        self._update(event, position, auto_apply=row)

    @process.register
    def _resume_uploaded(self, event: Candidate.ResumeUploaded, position: int) -> None:
        if event.filename is ERASED:
            return
        resume = {
            "id": str(event.resume_id),
            "filename": event.filename,
            "content_type": event.content_type,
            "size": event.size,
            "uploaded_at": event.timestamp.isoformat(),
        }
        self._update(event, position, resume=resume)

    @process.register
    def _resume_deleted(self, event: Candidate.ResumeDeleted, position: int) -> None:
        self._update(event, position, resume=None)

    @process.register
    def _deactivated(self, event: Candidate.Deactivated, position: int) -> None:
        self._update(event, position, is_active=False)
        Account.objects.filter(id=event.originator_id).update(is_active=False)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        CandidateRecord.objects.filter(id=event.originator_id).delete()
        Account.objects.filter(id=event.originator_id).delete()

    def _update(self, event: Any, position: int, **fields: Any) -> None:
        if any(value is ERASED for value in fields.values()):
            return
        sealed = {name: for_subject(event.originator_id, value) if name in SEALED_COLUMNS else value
                  for name, value in fields.items()}
        CandidateRecord.objects.filter(id=event.originator_id).update(
            version=event.originator_version, position=position, **sealed
        )

    def _change_consents(self, event: Any, position: int, change: dict[str, Any]) -> None:
        record = CandidateRecord.objects.filter(id=event.originator_id).first()
        if record is None or record.consents is None:  # no row, or its key is gone (the erasure drops it next)
            return
        record.consents[event.kind] = {**record.consents.get(event.kind, {}), **change}
        self._update(event, position, consents=record.consents)
