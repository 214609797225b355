"""Conversations with the assistant: start one, post a message, record the assistant's turn,
confirm or decline what it proposed. A conversation exists only for the candidate who owns it
(and for readers who may see any: staff and auditors). Confirming a proposal saves the
candidate's new preferences and the confirmation together, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from jobraker.domain.commands.candidates import CandidateCommands, editable
from jobraker.domain.conversation import Conversation
from jobraker.domain.errors import NotFound


class ConversationCommands(CandidateCommands):
    """A candidate's conversations with the assistant."""

    def start_conversation(self, candidate_id: UUID, title: str = "") -> tuple[UUID, int]:
        conversation = Conversation.start(uuid4(), candidate_id, title)
        return conversation.id, self._save(conversation)

    def get_conversation(self, conversation_id: UUID, candidate_id: UUID | None) -> Conversation:
        """The conversation; ``candidate_id=None`` is a reader allowed to see any (staff, auditors)."""
        conversation = self._get(conversation_id, kind=Conversation)
        if candidate_id is not None and conversation.candidate_id != candidate_id:
            raise NotFound(conversation_id)
        return conversation

    def post_user_message(self, conversation_id: UUID, candidate_id: UUID, content: str) -> tuple[int, int]:
        """The new message's index and the event position."""
        indexes: list[int] = []
        position = self._on_own(conversation_id, candidate_id, lambda c: indexes.append(c.post_user_message(content)))
        return indexes[-1], position

    def record_turn(self, conversation: Conversation, model: str, prompt_tokens: int, completion_tokens: int) -> int:
        """Save the assistant's turn (its messages, tool calls and proposals) with the tokens it
        used. If another turn of the conversation was saved first, that one's answer stands and
        only this turn's tokens are counted."""
        conversation.record_usage(model, prompt_tokens, completion_tokens)
        try:
            return self._save(conversation)
        except IntegrityError:
            return self._on_own(conversation.id, conversation.candidate_id,
                                lambda c: c.record_usage(model, prompt_tokens, completion_tokens))

    def confirm_proposal(self, conversation_id: UUID, candidate_id: UUID, proposal_id: UUID) -> int:
        def attempt() -> int:
            conversation = self.get_conversation(conversation_id, candidate_id)
            changes = conversation.confirm(proposal_id)
            candidate = self.get_candidate(candidate_id)
            candidate.change_preferences(replace(editable(candidate.preferences), **{k: tuple(v) for k, v in changes.items()}))
            return self._save(candidate, conversation)

        return self._retrying(conversation_id, attempt)

    def decline_proposal(self, conversation_id: UUID, candidate_id: UUID, proposal_id: UUID) -> int:
        return self._on_own(conversation_id, candidate_id, lambda c: c.decline(proposal_id))

    def _on_own(self, conversation_id: UUID, candidate_id: UUID, command: Callable[[Conversation], object]) -> int:
        def owned(conversation: Conversation) -> None:
            if conversation.candidate_id != candidate_id:
                raise NotFound(conversation_id)
            command(conversation)

        return self._update(conversation_id, None, owned, kind=Conversation)
