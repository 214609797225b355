"""A candidate's data export: every event about them (decrypted), their read models, what was
sent to which processor and when (privacy/processors.py), and their resume file — one zip,
sealed with their key."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.forms.models import model_to_dict
from django.utils import timezone

from jobraker.appliers.models import SubmissionRecord
from jobraker.audit.history import HistoryEntry, history
from jobraker.domain.personal import ERASED
from jobraker.eventstore.app import EncryptedJobraker
from jobraker.inbox.forwarding import address_of
from jobraker.inbox.models import ForwardingAddress
from jobraker.privacy import processors
from jobraker.privacy.models import DataExport
from jobraker.privacy.streams import candidate_streams
from jobraker.projections.models import (
    ApplicationRecord,
    CandidateMatch,
    CandidateRecord,
    FunnelEntry,
    JobRecord,
    MatchSummary,
    NotificationRecord,
    TimelineEntry,
)
from jobraker.resumes.store import ResumeStore
from jobraker.sources.models import BoardFollower

EXPORT_FIELD = "data_export"
VALID_FOR = timedelta(days=7)


def build_export(jobraker: EncryptedJobraker, export_id: UUID) -> DataExport:
    export = DataExport.objects.get(id=export_id)
    if export.status == "ready":
        return export  # a redelivered message
    candidate_id = UUID(str(export.candidate_id))
    streams = candidate_streams(candidate_id)
    events = [_event_json(e) for stream in streams for e in history(jobraker, stream)]
    document = {
        "format": "jobraker-export/1",
        "candidate_id": str(candidate_id),
        "generated_at": timezone.now().isoformat(),
        "events": events,
        "read_models": _read_models(candidate_id),
        "processors": {
            "skyvern": {
                "payloads": [e for e in events if e["type"].endswith("SubmissionSent")],
                "files": processors.skyvern_files(candidate_id),
            },
            "chat_model": processors.chat_model(),
            "embedding_model": processors.embedding_model(),
        },
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("export.json", json.dumps(document, indent=2, default=_json_default))
        resume = _resume(jobraker, candidate_id)
        if resume is not None:
            zipped.writestr(f"resume/{resume[0]}", resume[1])
    content = archive.getvalue()
    export.sealed_zip = jobraker.keyring.seal(candidate_id, EXPORT_FIELD, content)
    export.size = len(content)
    export.status = "ready"
    export.ready_at = timezone.now()
    export.expires_at = export.ready_at + VALID_FOR
    export.save()
    return export


def open_export(jobraker: EncryptedJobraker, export: DataExport) -> bytes | None:
    if export.status != "ready" or export.expires_at is None or export.expires_at < timezone.now():
        return None
    return jobraker.keyring.open(UUID(str(export.candidate_id)), EXPORT_FIELD, export.sealed_zip)


def _event_json(entry: HistoryEntry) -> dict[str, Any]:
    return {"stream": str(entry.stream), "version": entry.version, "type": entry.type,
            "at": entry.at.isoformat(), "metadata": entry.metadata, "data": entry.data}


def _read_models(candidate_id: UUID) -> dict[str, Any]:
    def rows(queryset: Any) -> list[dict[str, Any]]:
        return [model_to_dict(row) | {"id": str(row.pk)} for row in queryset]

    return {
        "candidate": rows(CandidateRecord.objects.filter(id=candidate_id)),
        "applications": rows(ApplicationRecord.objects.filter(candidate_id=candidate_id)),
        "tracked_jobs": rows(JobRecord.with_tracked.filter(owner_id=candidate_id)),
        "timeline": rows(TimelineEntry.objects.filter(candidate_id=candidate_id)),
        "notifications": rows(NotificationRecord.objects.filter(candidate_id=candidate_id)),
        "submissions": rows(SubmissionRecord.objects.filter(candidate_id=candidate_id)),
        "funnel": rows(FunnelEntry.objects.filter(candidate_id=candidate_id)),
        "matches": rows(CandidateMatch.objects.filter(candidate_id=candidate_id).order_by("-score", "-tiebreak", "job_id")),
        "match_summary": rows(MatchSummary.objects.filter(candidate_id=candidate_id)),
        "forwarding_address": [address_of(row) for row in ForwardingAddress.objects.filter(candidate_id=candidate_id)],
        "followed_boards": [{"source": source, "token": token, "followed_at": at} for source, token, at in
                            BoardFollower.objects.filter(candidate_id=candidate_id)
                            .values_list("board__source", "board__token", "followed_at")],
    }


def _resume(jobraker: EncryptedJobraker, candidate_id: UUID) -> tuple[str, bytes] | None:
    resume = jobraker.get_candidate(candidate_id).resume
    if resume is None or resume.filename is ERASED:
        return None
    content = ResumeStore(jobraker.keyring).get(resume.id, candidate_id)
    return (resume.filename, content) if content is not None else None


def _json_default(value: Any) -> Any:
    if value is ERASED:
        return None
    if is_dataclass(value):
        return asdict(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
