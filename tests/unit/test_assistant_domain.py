"""Property tests for the Conversation aggregate: arbitrary command sequences, legal or not,
against a simple model of the rules; the recorded events always replay to the same state."""

from __future__ import annotations

import copy
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from jobraker.domain.conversation import Conversation, ProposalStatus, Speaker, ToolCall
from jobraker.domain.errors import DomainError, IllegalTransition, InvalidValue

TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=0, max_size=30)
TOOL_NAMES = st.sampled_from(["search_jobs", "top_matches", "withdraw_everything", "change_preferences"])


def replay(events: list) -> Conversation:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate  # type: ignore[return-value]


def state_of(conversation: Conversation) -> dict:
    return {
        "version": conversation.version,
        "messages": conversation.messages,
        "open_calls": dict(conversation.open_calls),
        "proposals": {k: (v.changes, v.status) for k, v in conversation.proposals.items()},
        "tokens": (conversation.prompt_tokens, conversation.completion_tokens),
        "failures": conversation.failures,
    }


class ConversationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.candidate_id = uuid4()
        self.conversation = Conversation.start(uuid4(), self.candidate_id, "Looking for work")
        self.events = list(self.conversation.collect_events())
        # The model: what the rules say the state should be.
        self.speakers: list[Speaker] = []
        self.open: dict[str, str] = {}
        self.proposals: dict[UUID, ProposalStatus] = {}
        self.tokens = 0

    def _attempt(self, command, legal: bool, error: type[DomainError] = IllegalTransition):  # type: ignore[no-untyped-def]
        before = copy.deepcopy(state_of(self.conversation))
        if legal:
            result = command()
            self.events.extend(self.conversation.collect_events())
            return result
        with pytest.raises(error):
            command()
        assert not self.conversation.pending_events, "a refused command records nothing"
        assert state_of(self.conversation) == before
        return None

    @rule(text=TEXT)
    def post_user_message(self, text: str) -> None:
        legal = not self.open and bool(text.strip())
        error = IllegalTransition if self.open else InvalidValue
        if self._attempt(lambda: self.conversation.post_user_message(text), legal, error) is not None:
            self.speakers.append(Speaker.USER)

    @rule(text=TEXT, names=st.lists(TOOL_NAMES, max_size=3))
    def answer(self, text: str, names: list[str]) -> None:
        calls = tuple(ToolCall(f"call_{uuid4().hex[:8]}", name, "{}") for name in names)
        awaiting = bool(self.speakers) and self.speakers[-1] is not Speaker.ASSISTANT
        has_content = bool(text.strip()) or bool(calls)
        legal = not self.open and awaiting and has_content
        error = IllegalTransition if (self.open or not awaiting) else InvalidValue
        if self._attempt(lambda: self.conversation.post_assistant_message(text, calls), legal, error) is not None:
            self.speakers.append(Speaker.ASSISTANT)
            self.open.update({c.id: c.name for c in calls})

    @rule(data=st.data(), text=TEXT)
    def tool_result(self, data: st.DataObject, text: str) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.open)) if self.open and data.draw(st.booleans()) else st.just("call_unknown"))
        legal = call_id in self.open
        if self._attempt(lambda: self.conversation.post_tool_result(call_id, text), legal) is not None:
            self.speakers.append(Speaker.TOOL)
            self.open.pop(call_id)

    @rule(keywords=st.lists(st.sampled_from(["python", "django", "rust"]), max_size=2))
    def propose(self, keywords: list[str]) -> None:
        proposal_id = uuid4()
        changes = {"keywords": keywords} if keywords else {}
        self._attempt(lambda: self.conversation.propose_change(proposal_id, changes), bool(changes), InvalidValue)
        if changes:
            self.proposals[proposal_id] = ProposalStatus.PENDING

    @rule(data=st.data(), confirm=st.booleans())
    def settle(self, data: st.DataObject, confirm: bool) -> None:
        known = sorted(self.proposals, key=str)
        proposal_id = data.draw(st.sampled_from(known)) if known and data.draw(st.booleans()) else uuid4()
        legal = self.proposals.get(proposal_id) is ProposalStatus.PENDING
        command = (lambda: self.conversation.confirm(proposal_id)) if confirm else (lambda: self.conversation.decline(proposal_id))
        self._attempt(command, legal)
        if legal:
            self.proposals[proposal_id] = ProposalStatus.CONFIRMED if confirm else ProposalStatus.DECLINED

    @rule(prompt=st.integers(-5, 5000), completion=st.integers(-5, 5000))
    def usage(self, prompt: int, completion: int) -> None:
        legal = prompt >= 0 and completion >= 0
        self._attempt(lambda: self.conversation.record_usage("gpt-test", prompt, completion), legal, InvalidValue)
        if legal:
            self.tokens += prompt + completion

    @rule()
    def failure(self) -> None:
        self._attempt(lambda: self.conversation.record_failure("rate_limited"), True)

    @invariant()
    def matches_the_model(self) -> None:
        conversation = self.conversation
        assert [m.speaker for m in conversation.messages] == self.speakers
        assert [m.index for m in conversation.messages] == list(range(len(self.speakers)))
        assert conversation.open_calls == self.open
        assert {k: v.status for k, v in conversation.proposals.items()} == self.proposals
        assert conversation.tokens_used == self.tokens
        assert conversation.awaiting_answer == (bool(self.speakers) and self.speakers[-1] is not Speaker.ASSISTANT)
        # Every tool result answers a call an earlier assistant message made.
        made = set()
        for message in conversation.messages:
            made.update(call.id for call in message.tool_calls)
            if message.speaker is Speaker.TOOL:
                assert message.tool_call_id in made

    @invariant()
    def replay_rebuilds_the_state(self) -> None:
        assert state_of(replay(self.events)) == state_of(self.conversation)
        assert self.conversation.version == len(self.events)


ConversationMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestConversation = ConversationMachine.TestCase


def test_confirming_returns_the_changes_once() -> None:
    conversation = Conversation.start(uuid4(), uuid4())
    proposal_id = uuid4()
    conversation.propose_change(proposal_id, {"keywords": ["python"]})
    assert conversation.confirm(proposal_id) == {"keywords": ["python"]}
    with pytest.raises(IllegalTransition, match="already confirmed"):
        conversation.confirm(proposal_id)


def test_personal_fields_are_declared_for_the_candidate() -> None:
    from jobraker.domain.personal import personal_fields

    assert personal_fields(Conversation.MessagePosted) == ("content", "tool_calls")
    assert personal_fields(Conversation.Started) == ("title",)
    assert personal_fields(Conversation.ChangeProposed) == ("changes",)
    for cls in (Conversation.Started, Conversation.MessagePosted, Conversation.ChangeProposed):
        assert cls.data_subject_field == "candidate_id"
    assert personal_fields(Conversation.TokensUsed) == ()


def test_an_erased_history_replays_its_shape_and_refuses_confirmation() -> None:
    """After crypto-shredding, personal fields read as ERASED: the replay keeps who spoke,
    the tokens and the proposals' states, and a pending proposal can no longer be confirmed."""
    from jobraker.domain.personal import ERASED, personal_fields

    conversation = Conversation.start(uuid4(), uuid4(), "Secret plans")
    conversation.post_user_message("I want to leave my employer")
    conversation.post_assistant_message("", (ToolCall("call_1", "change_preferences", '{"keywords": ["rust"]}'),))
    proposal_id = uuid4()
    conversation.propose_change(proposal_id, {"keywords": ["rust"]})
    conversation.post_tool_result("call_1", '{"proposal_id": "..."}')
    conversation.post_assistant_message("Please confirm.")
    conversation.record_usage("gpt-test", 100, 20)
    events = conversation.collect_events()
    for event in events:
        for name in personal_fields(type(event)):
            object.__setattr__(event, name, ERASED)
    erased = replay(events)
    assert [m.speaker for m in erased.messages] == [m.speaker for m in conversation.messages]
    assert all(m.content is ERASED for m in erased.messages) and erased.title is ERASED
    assert erased.open_calls == {} and erased.tokens_used == 120
    assert erased.proposals[proposal_id].status is ProposalStatus.PENDING
    with pytest.raises(IllegalTransition, match="erased"):
        erased.confirm(proposal_id)
