"""A candidate's own commands: registration, profile, preferences, automation, consents,
resume, followed job boards and export requests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID, uuid4

from jobraker.domain.candidate import Candidate
from jobraker.domain.commands.base import CommandBase
from jobraker.domain.errors import IllegalTransition
from jobraker.domain.personal import Erased

T = TypeVar("T")

# Candidate ids registered before ids were random were uuid5 in this namespace (of a keyed
# digest of the address); those candidates keep them. New ids are uuid4, unrelated to anything.
CANDIDATE_NAMESPACE = UUID("0f8d7c52-4a0e-4d8b-9d3e-2b8c4c1e7a11")


class CandidateCommands(CommandBase):
    """What a candidate does to their own record."""

    def register_candidate(
        self, email: str, name: str, password_hash: str, *, address_verified: bool = False
    ) -> tuple[UUID, int]:
        """A new candidate with a random id. The event store reserves the address in the
        registration's own transaction and raises CandidateAlreadyRegistered when another
        candidate, staff member or auditor holds it (see accounts/reservations.py)."""
        candidate = Candidate.register(
            id=uuid4(),
            email=normalise_email(email),
            name=name,
            password_hash=password_hash,
            address_verified=address_verified,
        )
        return candidate.id, self._save(candidate)

    def verify_address(self, candidate_id: UUID) -> int:
        return self._update(candidate_id, None, lambda c: c.verify_address(), kind=Candidate)

    def note_registration_attempt(self, candidate_id: UUID) -> int:
        return self._update(candidate_id, None, lambda c: c.note_registration_attempt(), kind=Candidate)

    def get_candidate(self, candidate_id: UUID) -> Candidate:
        return self._get(candidate_id, kind=Candidate)

    def change_profile(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        return self._update(
            candidate_id, expected_version,
            lambda c: c.change_profile(replace(editable(c.profile), **_tuples(changes))),
            kind=Candidate,
        )

    def change_preferences(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        return self._update(
            candidate_id, expected_version,
            lambda c: c.change_preferences(replace(editable(c.preferences), **_tuples(changes))),
            kind=Candidate,
        )

    def change_automation(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        """Change fields of the automation settings (AutoApplySettings: mode, strategy and the
        ``…_override`` levels; an override of ``None`` lets the strategy's value hold again)."""
        return self._update(
            candidate_id, expected_version, lambda c: c.change_auto_apply(replace(c.auto_apply, **changes)), kind=Candidate
        )

    def give_consent(self, candidate_id: UUID, kind: str, version: str) -> int:
        return self._update(candidate_id, None, lambda c: c.give_consent(kind, version), kind=Candidate)

    def withdraw_consent(self, candidate_id: UUID, kind: str) -> int:
        return self._update(candidate_id, None, lambda c: c.withdraw_consent(kind), kind=Candidate)

    def upload_resume(
        self, candidate_id: UUID, resume_id: UUID, filename: str, content_type: str, size: int, text: str
    ) -> tuple[UUID | None, int]:
        """Record a new resume; returns the id of the resume it replaced (if any) and the position."""
        replaced: list[UUID | None] = []

        def upload(candidate: Candidate) -> None:
            replaced.append(candidate.resume.id if candidate.resume else None)
            candidate.upload_resume(resume_id, filename, content_type, size, text)

        position = self._update(candidate_id, None, upload, kind=Candidate)
        return replaced[-1], position

    def delete_resume(self, candidate_id: UUID) -> tuple[UUID, int]:
        deleted: list[UUID] = []
        position = self._update(candidate_id, None, lambda c: deleted.append(c.delete_resume()), kind=Candidate)
        return deleted[-1], position

    def request_export(self, candidate_id: UUID, export_id: UUID, by: str) -> int:
        return self._update(candidate_id, None, lambda c: c.request_export(export_id, by), kind=Candidate)

    def request_erasure(self, candidate_id: UUID, by: str) -> int:
        return self._update(candidate_id, None, lambda c: c.request_erasure(by), kind=Candidate)

    def complete_erasure(self, candidate_id: UUID) -> int:
        """The last event of the candidate's personal data: the event store destroys their key
        in this save's transaction (eventstore/app.py), so nothing personal is written after it."""
        return self._update(candidate_id, None, lambda c: c.complete_erasure(), kind=Candidate)

    def follow_board(self, candidate_id: UUID, source: str, token: str, company: str) -> int:
        return self._update(candidate_id, None, lambda c: c.follow_board(source, token, company), kind=Candidate)

    def unfollow_board(self, candidate_id: UUID, source: str, token: str) -> int:
        return self._update(candidate_id, None, lambda c: c.unfollow_board(source, token), kind=Candidate)


def editable(value: T | Erased) -> T:
    """A candidate's profile or preferences, to change. An erased candidate has none."""
    if isinstance(value, Erased):
        raise IllegalTransition("change what the candidate wants", "the candidate is erased")
    return value


def _tuples(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}


def normalise_email(email: str) -> str:
    return email.strip().lower()
