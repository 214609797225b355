"""What each processor received for one candidate, and what was asked of it at erasure: the
export's processor record and the erasure record staff read (``GET /candidates/{id}/erasure``).

Skyvern gets the application payloads (the ``SubmissionSent`` events) and the resume files
uploaded for runs, and offers deletion of those files (appliers/files.py keeps every request and
answer). The chat model gets what the candidate writes to the assistant; an OpenAI-compatible
API offers no per-person deletion, so none is requested and the record says so."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from jobraker.appliers.models import SkyvernFile
from jobraker.config import get_settings

CHAT_MODEL_RECEIVED = ("what you wrote to the chat assistant and what its tools read for you, as the Conversation "
                       "events show, and the employers' mails from your inbox that the rules could not place "
                       "(read_by: model on the application's timeline), sent to the configured chat model")
NO_DELETION_OFFERED = "not requested: an OpenAI-compatible API offers no deletion of what one person sent"


def skyvern_files(candidate_id: UUID) -> list[dict[str, Any]]:
    """Every resume file uploaded to Skyvern for the candidate, and how its deletion went."""
    rows = SkyvernFile.objects.filter(candidate_id=candidate_id).order_by("uploaded_at")
    return [
        {
            "file_id": row.file_id,
            "application_id": str(row.application_id),
            "uploaded_at": row.uploaded_at.isoformat(),
            "deletion": {
                "reason": row.delete_reason or None,
                "requested_at": row.delete_requested_at.isoformat() if row.delete_requested_at else None,
                "answer": row.delete_answer or None,
                "deleted": row.deleted,
            },
        }
        for row in rows
    ]


def chat_model() -> dict[str, Any]:
    return {"received": CHAT_MODEL_RECEIVED, "deletion": NO_DELETION_OFFERED}


def embedding_model() -> dict[str, Any]:
    if get_settings().embedding_provider == "local":
        return {"received": "nothing: your profile and resume are embedded by a model running inside Jobraker"}
    return {"received": "your profile and resume text, sent to the configured OpenAI embeddings API",
            "deletion": NO_DELETION_OFFERED}


def erasure_record(candidate_id: UUID) -> dict[str, Any]:
    """Per processor: whether deletion was requested, and how each request was answered."""
    files = skyvern_files(candidate_id)
    return {
        "skyvern": {
            "files": files,
            "deletion_requested": sum(f["deletion"]["requested_at"] is not None for f in files),
            "deleted": sum(f["deletion"]["deleted"] for f in files),
        },
        "chat_model": chat_model(),
        "embedding_model": embedding_model(),
    }
