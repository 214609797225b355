"""Which event streams hold a candidate's data: an index (``SubjectStream``) written in the
transaction of each stream's creation event, so it never lags behind the store and reading it
opens nobody's sealed fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from jobraker.domain.alert import JobAlert
from jobraker.domain.answers import AnswerBank
from jobraker.domain.application import Application
from jobraker.domain.conversation import Conversation
from jobraker.domain.job import Job
from jobraker.domain.notification import Notification
from jobraker.domain.notification_settings import NotificationSettings
from jobraker.privacy.models import SubjectStream

# The creation events of every kind of stream that belongs to one candidate: the one list that
# export (everything held on them), erasure and audits of completeness read.
CANDIDATE_STREAM_STARTS: tuple[type, ...] = (
    Application.Started, Notification.Sent, Conversation.Started, JobAlert.Created, NotificationSettings.Created,
    Job.Tracked,  # a job the candidate tracks themselves is their record, not a listing
    AnswerBank.Created,
)

TABLE = SubjectStream._meta.db_table
INDEX = (
    f"INSERT INTO {TABLE} (stream_id, subject_id, topic) "
    "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[]) ON CONFLICT (stream_id) DO NOTHING"
)
# Existing stores: the creation events' clear ``candidate_id`` (never sealed: it names the
# subject), read by PostgreSQL from the stored JSON, so the backfill decrypts nothing either.
BACKFILL = (
    f"INSERT INTO {TABLE} (stream_id, subject_id, topic) "
    "SELECT originator_id, (convert_from(state, 'UTF8')::json #>> %s)::uuid, topic "
    'FROM "{events}" WHERE topic = ANY(%s) ORDER BY notification_id ON CONFLICT (stream_id) DO NOTHING'
)
CANDIDATE_ID_PATH = ["candidate_id", "_data_"]  # a UUID as the library's JSON transcoder writes it


def candidate_streams(candidate_id: UUID) -> list[UUID]:
    """The candidate's own stream and every stream created about them."""
    return [candidate_id, *streams_started_for(candidate_id, *CANDIDATE_STREAM_STARTS)]


def streams_started_for(candidate_id: UUID, *creation_events: type) -> list[UUID]:
    """Ids of the aggregates whose creation event (one of ``creation_events``) names the candidate,
    in creation order."""
    topics = [get_topic(cls) for cls in creation_events]
    rows = SubjectStream.objects.filter(subject_id=candidate_id, topic__in=topics).order_by("id")
    return list(rows.values_list("stream_id", flat=True))


def index_writes(events: Iterable[Any]) -> list[Any]:
    """The index rows of the streams these events start, as a write for the events' transaction
    (none if they start no candidate stream)."""
    started = [e for e in events if isinstance(e, CANDIDATE_STREAM_STARTS)]
    if not started:
        return []
    rows = ([e.originator_id for e in started], [e.candidate_id for e in started], [get_topic(type(e)) for e in started])
    return [lambda cursor: cursor.execute(INDEX, rows)]


def backfill(cursor: Any, events_table: str) -> None:
    """Index the candidate streams of a store written before the index existed (idempotent)."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [events_table])
    if cursor.fetchone()[0]:
        topics = [get_topic(cls) for cls in CANDIDATE_STREAM_STARTS]
        cursor.execute(BACKFILL.replace("{events}", events_table), [CANDIDATE_ID_PATH, topics])
