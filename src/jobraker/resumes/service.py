"""Upload, download and delete a candidate's resume: the sealed file and its events together."""

from __future__ import annotations

from uuid import UUID, uuid4

from jobraker.domain.service import Jobraker
from jobraker.resumes.extract import extract
from jobraker.resumes.store import ResumeStore


def upload_resume(jobraker: Jobraker, store: ResumeStore, candidate_id: UUID, filename: str, data: bytes) -> tuple[UUID, int]:
    resume = extract(data)
    resume_id = uuid4()
    store.put(resume_id, candidate_id, data)
    try:
        replaced, position = jobraker.upload_resume(
            candidate_id, resume_id, filename, resume.content_type, len(data), resume.text
        )
    except BaseException:
        store.delete(resume_id)  # no event refers to it
        raise
    if replaced is not None:
        store.delete(replaced)
    return resume_id, position


def delete_resume(jobraker: Jobraker, store: ResumeStore, candidate_id: UUID) -> int:
    resume_id, position = jobraker.delete_resume(candidate_id)
    store.delete(resume_id)
    return position


def download_resume(store: ResumeStore, candidate_id: UUID, resume: dict | None) -> bytes | None:
    """The bytes of the resume the candidate's read model names, or None."""
    if not resume:
        return None
    return store.get(UUID(resume["id"]), candidate_id)
