"""What names an erased candidate outside the event store and the projections' rows: the
cached vectors of their texts, the e-mail ledger, alert hits, data exports, resume files,
Skyvern run links, precomputed matches, the mailbox connection and forwarding address (inbox/) and the
mail in the outbox folder. Deleted at erasure, and swept once more
after the projections have caught up (a worker may have written one meanwhile)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from uuid import UUID

from jobraker.appliers.models import SkyvernRunLink
from jobraker.delivery.models import AlertHit, EmailDelivery
from jobraker.delivery.outbox import subject_folder
from jobraker.embeddings.models import EmbeddingCache
from jobraker.inbox.models import ForwardingAddress, Mailbox, SeenMessage
from jobraker.privacy.models import DataExport
from jobraker.resumes.models import ResumeFile


def forget_leftovers(candidate_id: UUID, application_ids: Iterable[UUID] = ()) -> dict[str, int]:
    """Delete them; returns how many of each went (ids and counts only: fit for a log line)."""
    gone = {
        "embedding_cache": EmbeddingCache.objects.filter(subject_id=candidate_id).delete()[0],
        "email_deliveries": EmailDelivery.objects.filter(candidate_id=candidate_id).delete()[0],
        "alert_hits": AlertHit.objects.filter(candidate_id=candidate_id).delete()[0],
        "data_exports": DataExport.objects.filter(candidate_id=candidate_id).delete()[0],
        "resume_files": ResumeFile.objects.filter(candidate_id=candidate_id).delete()[0],
        "mailboxes": Mailbox.objects.filter(candidate_id=candidate_id).delete()[0],
        "seen_messages": SeenMessage.objects.filter(candidate_id=candidate_id).delete()[0],
        "forwarding_addresses": ForwardingAddress.objects.filter(candidate_id=candidate_id).delete()[0],
        "skyvern_run_links": SkyvernRunLink.objects.filter(application_id__in=list(application_ids)).delete()[0],
        # A match worker that ranked them just before the erasure may have written after the projection dropped them.
        "precomputed_matches": _forget_matches(candidate_id),
    }
    gone["outbox_files"] = _remove_outbox(candidate_id)
    return gone


def _forget_matches(candidate_id: UUID) -> int:
    from jobraker.projections.models import CandidateMatch, MatchMark, MatchSummary

    return sum(model.objects.filter(candidate_id=candidate_id).delete()[0]
               for model in (CandidateMatch, MatchSummary, MatchMark))


def _remove_outbox(candidate_id: UUID) -> int:
    folder = subject_folder(candidate_id)
    if not folder.is_dir():
        return 0
    count = sum(1 for _ in folder.iterdir())
    shutil.rmtree(folder)
    return count
