"""Which event streams hold a candidate's data, read from the store itself (a read model could
lag behind something recorded a moment ago)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic

from jobraker.domain.alert import JobAlert
from jobraker.domain.answers import AnswerBank
from jobraker.domain.application import Application
from jobraker.domain.conversation import Conversation
from jobraker.domain.job import Job
from jobraker.domain.notification import Notification
from jobraker.domain.notification_settings import NotificationSettings
from jobraker.domain.service import Jobraker

# The creation events of every kind of stream that belongs to one candidate: the one list that
# export (everything held on them) and audits of completeness read.
CANDIDATE_STREAM_STARTS: tuple[type, ...] = (
    Application.Started, Notification.Sent, Conversation.Started, JobAlert.Created, NotificationSettings.Created,
    Job.Tracked,  # a job the candidate tracks themselves is their record, not a listing
    AnswerBank.Created,
)


def candidate_streams(jobraker: Jobraker, candidate_id: UUID) -> list[UUID]:
    """The candidate's own stream and every stream created about them."""
    return [candidate_id, *streams_started_for(jobraker, candidate_id, *CANDIDATE_STREAM_STARTS)]


def streams_started_for(jobraker: Jobraker, candidate_id: UUID, *creation_events: type) -> list[UUID]:
    """Ids of the aggregates whose creation event (one of ``creation_events``) names the candidate."""
    topics = [get_topic(cls) for cls in creation_events]
    notifications = jobraker.recorder.select_notifications(start=1, limit=10_000_000, topics=topics)
    owned = []
    for notification in notifications:
        event = jobraker.mapper.to_domain_event(notification)
        if event.candidate_id == candidate_id:
            owned.append(event.originator_id)
    return owned

