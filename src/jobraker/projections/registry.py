"""Every projection the projector runs."""

from __future__ import annotations

from jobraker.appliers.projection import SubmissionProjection
from jobraker.assistant.projection import ConversationProjection
from jobraker.delivery.projections import delivery_projections
from jobraker.projections.applications import ApplicationProjection, TimelineProjection
from jobraker.projections.base import Projection
from jobraker.projections.candidates import CandidateProjection
from jobraker.projections.funnel import FunnelProjection
from jobraker.projections.jobs import JobProjection
from jobraker.projections.match_marks import MatchMarksProjection
from jobraker.projections.notifications import NotificationProjection
from jobraker.projections.vectors import VectorProjection
from jobraker.sources.boards.projection import BoardFollowerProjection


def all_projections() -> list[Projection]:
    return [CandidateProjection(), JobProjection(), ApplicationProjection(), TimelineProjection(), VectorProjection(),
            NotificationProjection(), ConversationProjection(), *delivery_projections(), SubmissionProjection(),
            FunnelProjection(), MatchMarksProjection(), BoardFollowerProjection()]
