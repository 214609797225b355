"""Conversation commands on the event store: start, post, confirm or decline a proposal.

Each loads the aggregate, checks that it belongs to the acting candidate (another
candidate's conversation does not exist for them), runs the domain command and saves,
retrying once when another writer won the race. Confirming a proposal saves the
candidate's new preferences and the confirmation together, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from jobraker.domain.conversation import Conversation
from jobraker.domain.errors import ConcurrentUpdate, NotFound
from jobraker.domain.service import Jobraker


def load(jobraker: Jobraker, conversation_id: UUID, candidate_id: UUID | None) -> Conversation:
    """The conversation; ``candidate_id=None`` is a reader allowed to see any (staff, auditors)."""
    try:
        conversation = jobraker.repository.get(conversation_id)
    except AggregateNotFoundError:
        raise NotFound(conversation_id) from None
    if not isinstance(conversation, Conversation):
        raise NotFound(conversation_id)
    if candidate_id is not None and conversation.candidate_id != candidate_id:
        raise NotFound(conversation_id)
    return conversation


def position_of(recordings: Any) -> int:
    return max(r.notification.id for r in recordings) if recordings else 0


def start(jobraker: Jobraker, candidate_id: UUID, title: str = "") -> tuple[UUID, int]:
    conversation = Conversation.start(uuid4(), candidate_id, title)
    return conversation.id, position_of(jobraker.save(conversation))


def post_user_message(jobraker: Jobraker, conversation_id: UUID, candidate_id: UUID, content: str) -> tuple[int, int]:
    """The new message's index and the event position."""
    indexes: list[int] = []
    position = _update(jobraker, conversation_id, candidate_id, lambda c: indexes.append(c.post_user_message(content)))
    return indexes[-1], position


def confirm(jobraker: Jobraker, conversation_id: UUID, candidate_id: UUID, proposal_id: UUID) -> int:
    for _ in range(3):
        conversation = load(jobraker, conversation_id, candidate_id)
        changes = conversation.confirm(proposal_id)
        candidate = jobraker.get_candidate(candidate_id)  # type: ignore[attr-defined]
        candidate.change_preferences(replace(candidate.preferences, **{k: tuple(v) for k, v in changes.items()}))
        try:
            return position_of(jobraker.save(candidate, conversation))
        except IntegrityError:
            continue
    raise ConcurrentUpdate(conversation_id)


def decline(jobraker: Jobraker, conversation_id: UUID, candidate_id: UUID, proposal_id: UUID) -> int:
    return _update(jobraker, conversation_id, candidate_id, lambda c: c.decline(proposal_id))


def _update(jobraker: Jobraker, conversation_id: UUID, candidate_id: UUID, command: Callable[[Conversation], None]) -> int:
    for _ in range(3):
        conversation = load(jobraker, conversation_id, candidate_id)
        command(conversation)
        try:
            return position_of(jobraker.save(conversation))
        except IntegrityError:
            continue
    raise ConcurrentUpdate(conversation_id)
