"""Which event streams hold a candidate's data, read from the store itself (a read model could
lag behind something recorded a moment ago)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic

from jobraker.domain.service import Jobraker


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
