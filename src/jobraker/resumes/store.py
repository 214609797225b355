"""Resume files encrypted at rest with the candidate's own data key."""

from __future__ import annotations

from uuid import UUID

from jobraker.privacy.keyring import Keyring
from jobraker.resumes.models import ResumeFile

FIELD = "resume_file"


class ResumeStore:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def put(self, resume_id: UUID, candidate_id: UUID, content: bytes) -> None:
        sealed = self.keyring.seal(candidate_id, FIELD, content)
        ResumeFile.objects.create(id=resume_id, candidate_id=candidate_id, sealed_content=sealed)

    def get(self, resume_id: UUID, candidate_id: UUID) -> bytes | None:
        """The file's bytes; None if it is gone or its candidate's key was destroyed."""
        row = ResumeFile.objects.filter(id=resume_id, candidate_id=candidate_id).first()
        if row is None:
            return None
        return self.keyring.open(candidate_id, FIELD, row.sealed_content)

    def delete(self, resume_id: UUID) -> None:
        ResumeFile.objects.filter(id=resume_id).delete()
