"""A conversation between a candidate and the chat assistant.

Every message (the candidate's, the assistant's, a tool's result) is an event whose
text is personal data sealed with the candidate's key, so erasing the candidate makes
the whole conversation unreadable while its shape (who spoke when, tokens spent) stays
for audit. A preference change the assistant suggests is only a proposal here; the
candidate's confirmation is a separate command that changes the candidate too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.personal import ERASED, Erased, Personal
from jobraker.domain.rules import clean_text

MAX_CONTENT = 20_000
MAX_MESSAGES = 1_000
MAX_TOOL_CALLS = 16
MAX_TOKENS_PER_CALL = 10_000_000


class Speaker(str, Enum):
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class ProposalStatus(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # the JSON text the model sent, kept as sent

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class Message:
    index: int
    speaker: Speaker
    content: Any  # str, or ERASED once the candidate is erased
    tool_calls: tuple[ToolCall, ...]
    tool_call_id: str


@dataclass
class Proposal:
    id: UUID
    changes: Any  # dict of preference fields, or ERASED
    status: ProposalStatus


def _tool_calls(raw: Any) -> tuple[ToolCall, ...]:
    if raw is ERASED:
        return ()
    return tuple(ToolCall(**call) for call in raw)


class Conversation(Aggregate):
    """The candidate's chat: messages in order, open tool calls, proposals, tokens spent."""

    class Started(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        title: Personal[str]

    class MessagePosted(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        speaker: str
        content: Personal[str]
        tool_calls: Personal[list[dict[str, str]]]  # arguments can quote the candidate, so they are sealed too
        tool_call_id: str

    class ChangeProposed(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        proposal_id: UUID
        changes: Personal[dict[str, Any]]

    class ProposalConfirmed(Aggregate.Event):
        proposal_id: UUID

    class ProposalDeclined(Aggregate.Event):
        proposal_id: UUID

    class TokensUsed(Aggregate.Event):
        candidate_id: UUID  # not personal: lets the usage read model count per candidate
        model: str
        prompt_tokens: int
        completion_tokens: int

    class TurnFailed(Aggregate.Event):
        """The model could not answer; the reason is ours (no personal data), e.g. "rate_limited"."""

        reason: str

    @classmethod
    def start(cls, id: UUID, candidate_id: UUID, title: str = "") -> Conversation:
        return cls(id=id, candidate_id=candidate_id, title=clean_text("title", title, max_length=200, required=False))

    @event(Started)
    def __init__(self, id: UUID, candidate_id: UUID, title: str) -> None:
        self.candidate_id = candidate_id
        self.title = title
        self.messages: list[Message] = []
        self.open_calls: dict[str, str] = {}  # tool call id → tool name, awaiting a result
        self.proposals: dict[UUID, Proposal] = {}
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.failures = 0

    # Commands: check the rules, then record the event.

    def post_user_message(self, content: str) -> int:
        self._require_no_open_calls("post a message")
        self._require_room()
        self._message_posted(
            candidate_id=self.candidate_id, speaker=Speaker.USER.value,
            content=clean_text("content", content, max_length=MAX_CONTENT), tool_calls=[], tool_call_id="",
        )
        return len(self.messages) - 1

    def post_assistant_message(self, content: str, tool_calls: tuple[ToolCall, ...] = ()) -> int:
        self._require_no_open_calls("answer")
        if not self.awaiting_answer:
            raise IllegalTransition("answer", "no message is waiting for an answer")
        if len(tool_calls) > MAX_TOOL_CALLS:
            raise InvalidValue(f"an answer makes at most {MAX_TOOL_CALLS} tool calls")
        ids = [call.id for call in tool_calls]
        if len(set(ids)) != len(ids) or not all(ids) or not all(call.name for call in tool_calls):
            raise InvalidValue("tool calls need distinct ids and names")
        if not content and not tool_calls:
            raise InvalidValue("an answer needs text or tool calls")
        self._require_room()
        self._message_posted(
            candidate_id=self.candidate_id, speaker=Speaker.ASSISTANT.value,
            content=clean_text("content", content, max_length=MAX_CONTENT, required=False),
            tool_calls=[call.as_dict() for call in tool_calls], tool_call_id="",
        )
        return len(self.messages) - 1

    def post_tool_result(self, tool_call_id: str, content: str) -> int:
        if tool_call_id not in self.open_calls:
            raise IllegalTransition("record a tool result", f"no tool call {tool_call_id!r} is open")
        self._require_room()
        self._message_posted(
            candidate_id=self.candidate_id, speaker=Speaker.TOOL.value,
            content=clean_text("content", content, max_length=MAX_CONTENT, required=False),
            tool_calls=[], tool_call_id=tool_call_id,
        )
        return len(self.messages) - 1

    def propose_change(self, proposal_id: UUID, changes: dict[str, Any]) -> None:
        if proposal_id in self.proposals:
            raise IllegalTransition("propose a change", f"proposal {proposal_id} exists")
        if not changes:
            raise InvalidValue("a proposal changes at least one preference")
        self._change_proposed(candidate_id=self.candidate_id, proposal_id=proposal_id, changes=changes)

    def confirm(self, proposal_id: UUID) -> dict[str, Any]:
        """The proposal's changes, now confirmed (the caller applies them in the same save)."""
        proposal = self._pending(proposal_id, "confirm")
        self._proposal_confirmed(proposal_id=proposal_id)
        return dict(proposal.changes)

    def decline(self, proposal_id: UUID) -> None:
        self._pending(proposal_id, "decline")
        self._proposal_declined(proposal_id=proposal_id)

    def record_usage(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        for name, value in (("prompt_tokens", prompt_tokens), ("completion_tokens", completion_tokens)):
            if not 0 <= value <= MAX_TOKENS_PER_CALL:
                raise InvalidValue(f"{name} must be between 0 and {MAX_TOKENS_PER_CALL}")
        if prompt_tokens or completion_tokens:
            self._tokens_used(candidate_id=self.candidate_id, model=model[:100], prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)

    def record_failure(self, reason: str) -> None:
        self._turn_failed(reason=clean_text("reason", reason, max_length=200))

    # Queries.

    @property
    def awaiting_answer(self) -> bool:
        """The candidate (or a tool, mid-turn) spoke last, so the assistant owes an answer."""
        return bool(self.messages) and self.messages[-1].speaker is not Speaker.ASSISTANT

    @property
    def tokens_used(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def last_answer(self) -> Message | None:
        if self.messages and self.messages[-1].speaker is Speaker.ASSISTANT:
            return self.messages[-1]
        return None

    # Events applied (also on replay: no checks here).

    @event(MessagePosted)
    def _message_posted(
        self, candidate_id: UUID, speaker: str, content: str | Erased, tool_calls: list[dict[str, str]] | Erased,
        tool_call_id: str,
    ) -> None:
        calls = _tool_calls(tool_calls)
        self.messages.append(
            Message(len(self.messages), Speaker(speaker), content, calls, tool_call_id)
        )
        self.open_calls.pop(tool_call_id, None)
        self.open_calls.update({call.id: call.name for call in calls})

    @event(ChangeProposed)
    def _change_proposed(self, candidate_id: UUID, proposal_id: UUID, changes: dict[str, Any] | Erased) -> None:
        self.proposals[proposal_id] = Proposal(proposal_id, changes, ProposalStatus.PENDING)

    @event(ProposalConfirmed)
    def _proposal_confirmed(self, proposal_id: UUID) -> None:
        self.proposals[proposal_id].status = ProposalStatus.CONFIRMED

    @event(ProposalDeclined)
    def _proposal_declined(self, proposal_id: UUID) -> None:
        self.proposals[proposal_id].status = ProposalStatus.DECLINED

    @event(TokensUsed)
    def _tokens_used(self, candidate_id: UUID, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    @event(TurnFailed)
    def _turn_failed(self, reason: str) -> None:
        self.failures += 1

    def _pending(self, proposal_id: UUID, action: str) -> Proposal:
        proposal = self.proposals.get(proposal_id)
        if proposal is None:
            raise IllegalTransition(f"{action} the proposal", f"there is no proposal {proposal_id}")
        if proposal.status is not ProposalStatus.PENDING:
            raise IllegalTransition(f"{action} the proposal", f"it is already {proposal.status.value}")
        if proposal.changes is ERASED:
            raise IllegalTransition(f"{action} the proposal", "the candidate is erased")
        return proposal

    def _require_no_open_calls(self, action: str) -> None:
        if self.open_calls:
            raise IllegalTransition(action, "tool calls are waiting for their results")

    def _require_room(self) -> None:
        if len(self.messages) >= MAX_MESSAGES:
            raise IllegalTransition("add a message", f"the conversation has {MAX_MESSAGES} messages; start a new one")
