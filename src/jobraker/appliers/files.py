"""The candidate's resume file at Skyvern: uploaded for each run, deleted when no longer needed.

A run gets its own upload (``POST /v1/upload_file``), made just before the run starts, from the
resume decrypted in memory only; the presigned URL goes into the prompt where the payload holds
``RESUME_FILE_MARK``. Skyvern is asked to delete the file (``DELETE /v1/files/{id}``):

- when the run has ended (the application is no longer submitting that run), plus a grace
  period (``JOBRAKER_SKYVERN_FILE_GRACE_SECONDS``) for Skyvern's own late steps;
- when the candidate's resume is no longer the one uploaded (replaced or deleted);
- at erasure, straight away (``forget_candidate_files``).

Each request and Skyvern's answer is kept on the file's row (the erasure record: what was asked
of this processor, and how it answered); a request that got no answer is asked again by the
next sweep. Uploads also carry ``retention_days=1``, so Skyvern drops the file by itself even
if every request failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import structlog
from django.utils import timezone

from jobraker.appliers.models import SkyvernFile
from jobraker.appliers.payload import RESUME_FILE_FIELD, with_resume_file
from jobraker.appliers.skyvern import SkyvernRejected, SkyvernUploadFailed, UploadedFile
from jobraker.config import get_settings
from jobraker.domain.application import Application, Status
from jobraker.domain.errors import NotFound
from jobraker.domain.service import Jobraker
from jobraker.resumes.store import ResumeStore

log = structlog.get_logger(__name__)

DONE_ANSWERS = ("deleted", "gone")  # 204, or 404: the file is not at Skyvern (any more)


class FileApplier(Protocol):
    def upload_file(self, filename: str, content: bytes, content_type: str, retention_days: int = 1) -> UploadedFile: ...

    def delete_file(self, file_id: str) -> str: ...


def attach_resume_file(jobraker: Any, application: Application, payload: dict[str, Any], applier: Any) -> dict[str, Any]:
    """The payload as it goes to Skyvern: with the resume it names uploaded and its address in
    the prompt. Payloads that name no file, and appliers that upload nothing (dry run), pass as
    they are. Raises SkyvernUploadFailed (nothing started: the caller requeues) when the named
    resume is gone or Skyvern does not take it."""
    named = payload.get(RESUME_FILE_FIELD)
    if not named or not hasattr(applier, "upload_file"):
        return payload
    resume_id = UUID(named["resume_id"])
    candidate = jobraker.get_candidate(application.candidate_id)
    content = ResumeStore(jobraker.keyring).get(resume_id, application.candidate_id)
    if candidate.resume is None or candidate.resume.id != resume_id or content is None:
        # An approved payload names a resume since replaced or deleted: never send another file.
        raise SkyvernRejected("not sent: the resume named in the payload was replaced or deleted")
    uploaded = applier.upload_file(candidate.resume.filename, content, candidate.resume.content_type)
    del content  # only ever in memory, and only for the upload
    if not uploaded.file_id:
        raise SkyvernUploadFailed("Skyvern gave no file id, so the file could never be deleted")
    SkyvernFile.objects.create(file_id=uploaded.file_id, candidate_id=application.candidate_id,
                               application_id=application.id, resume_id=resume_id, presigned_url=uploaded.presigned_url)
    log.info("resume_file_uploaded", application_id=str(application.id), file_id=uploaded.file_id)
    return with_resume_file(payload, uploaded.presigned_url)


def sweep_files(jobraker: Jobraker, applier: FileApplier, now: datetime | None = None) -> dict[str, int]:
    """Ask Skyvern to delete every file that is due; returns counts (for a log line)."""
    now = now or timezone.now()
    grace = timedelta(seconds=get_settings().skyvern_file_grace_seconds)
    counts = {"deleted": 0, "waiting": 0, "failed": 0}
    for row in SkyvernFile.objects.filter(deleted=False).order_by("uploaded_at"):
        reason = _due(jobraker, row, now, grace)
        if not reason:
            counts["waiting"] += 1
            continue
        counts["deleted" if _delete(applier, row, reason, now) else "failed"] += 1
    return counts


def forget_candidate_files(applier: FileApplier | None, candidate_id: UUID) -> dict[str, int]:
    """At erasure: ask Skyvern to delete every file of the candidate's it may still hold."""
    rows = list(SkyvernFile.objects.filter(candidate_id=candidate_id, deleted=False))
    if applier is None:  # no Skyvern key in this process: the scheduler's sweep asks instead
        SkyvernFile.objects.filter(candidate_id=candidate_id, deleted=False).update(delete_reason="erasure")
        return {"requested": 0, "deleted": 0, "failed": len(rows)}
    deleted = sum(_delete(applier, row, "erasure", timezone.now()) for row in rows)
    return {"requested": len(rows), "deleted": deleted, "failed": len(rows) - deleted}


def _due(jobraker: Jobraker, row: SkyvernFile, now: datetime, grace: timedelta) -> str:
    """Why this file should go now, or "" while its run may still need it."""
    if row.delete_reason == "erasure":
        return "erasure"
    try:
        candidate = jobraker.get_candidate(row.candidate_id)
        application = jobraker.get_application(row.application_id)
    except NotFound:
        return "run_ended"
    resume_current = candidate.resume is not None and candidate.resume.id == row.resume_id
    run_current = application.status is Status.SUBMITTING and _file_of_current_run(application, row)
    if not run_current and row.run_ended_at is None:  # the grace starts when the sweep first sees it ended
        SkyvernFile.objects.filter(file_id=row.file_id).update(run_ended_at=now)
        row.run_ended_at = now
    return deletion_reason(False, resume_current, run_current, row.run_ended_at, now, grace)


def deletion_reason(erased: bool, resume_current: bool, run_current: bool, run_ended_at: datetime | None,
                    now: datetime, grace: timedelta) -> str:
    """The rule, on its own: erasure and a changed resume at once; an ended run after the grace."""
    if erased:
        return "erasure"
    if not resume_current:
        return "resume_changed"
    if run_current or run_ended_at is None:
        return ""
    return "run_ended" if now >= run_ended_at + grace else ""


def _file_of_current_run(application: Application, row: SkyvernFile) -> bool:
    """Whether this upload belongs to the run in progress (the newest upload for the application)."""
    newest = SkyvernFile.objects.filter(application_id=application.id).order_by("-uploaded_at").values_list("file_id", flat=True).first()
    return newest == row.file_id


def _delete(applier: FileApplier, row: SkyvernFile, reason: str, now: datetime) -> bool:
    answer = applier.delete_file(row.file_id)
    done = answer in DONE_ANSWERS
    changes: dict[str, Any] = {"delete_reason": reason, "delete_requested_at": now, "delete_answer": answer[:64], "deleted": done}
    if done:
        changes["presigned_url"] = None  # the address opens nothing now; keep no copy of it
    SkyvernFile.objects.filter(file_id=row.file_id).update(**changes)
    log.info("resume_file_deletion", file_id=row.file_id, reason=reason, answer=answer[:64])
    return done
